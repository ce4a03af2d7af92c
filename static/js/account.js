// account.js: whose outbox this is (issue 9: shared phones). The capture page names the signed-in
// account (app.js, from data-account); the Background Sync worker takes the last account a page
// named (sw-sync.js). Mutations, photos and attention items carry their account, and only the
// signed-in account's are ever sent, shown or exported as its own.
let current = null;

export function useAccount(id) {
  current = id == null || id === "" ? null : Number(id);
}

export function currentAccount() {
  return current;
}

// A row this account made. Rows with no account were saved before the phone knew accounts (legacy.js).
export function isMine(row) {
  return current != null && row.account === current;
}

export function isLegacy(row) {
  return row.account == null;
}
