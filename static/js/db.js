// db.js: the phone's own store (IndexedDB), used by every capture module.
// Stores: records (notes), outbox (mutations not yet acknowledged, each with its account),
// blobs (media not yet verified by the server), attention (conflicts and rejections),
// meta (device id, cursors), acked (acknowledged mutations kept for a while, for restores).
const NAME = "fieldnotes";
const SCHEMA = 2;
let opening = null;

export function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

// Each step takes a store from the version before it to its own; a phone may skip versions.
function upgrade(db, t, oldVersion) {
  if (oldVersion < 1) createStores(db);
  if (oldVersion < 2) {
    // Mutations the server acknowledged, kept for a retention window: sent again after a restore.
    db.createObjectStore("acked", { keyPath: "mutation_id" }).createIndex("at", "acked_at");
    // The outbox belongs to an account: each mutation names the account that made it.
    t.objectStore("outbox").createIndex("account", "account");
  }
}

function createStores(db) {
  const records = db.createObjectStore("records", { keyPath: "id" });
  records.createIndex("study", "study_id");
  const outbox = db.createObjectStore("outbox", { keyPath: "n", autoIncrement: true });
  outbox.createIndex("entity", "entity_id");
  outbox.createIndex("mutation", "mutation_id", { unique: true });
  db.createObjectStore("blobs", { keyPath: "id" }).createIndex("note", "note_id");
  db.createObjectStore("attention", { keyPath: "mutation_id" }).createIndex("entity", "entity_id");
  db.createObjectStore("meta", { keyPath: "key" });
}

export function openDb() {
  if (!self.indexedDB) return Promise.reject(new Error("IndexedDB is not available"));
  opening ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(NAME, SCHEMA);
    r.onupgradeneeded = (event) => upgrade(r.result, r.transaction, event.oldVersion);
    r.onsuccess = () => {
      const db = r.result;
      db.onversionchange = () => { db.close(); opening = null; };
      resolve(db);
    };
    r.onerror = () => { opening = null; reject(r.error); };
  });
  return opening;
}

// One transaction over `names`; resolves with fn's result only once the transaction has
// completed (is durable), never earlier. fn may only await requests of this transaction.
export async function tx(names, mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const t = db.transaction(names, mode, { durability: "strict" });
    const stores = Object.fromEntries(names.map((n) => [n, t.objectStore(n)]));
    let result;
    Promise.resolve()
      .then(() => fn(stores, t))
      .then((value) => { result = value; }, (error) => { reject(error); try { t.abort(); } catch { /* done */ } });
    t.oncomplete = () => resolve(result);
    t.onabort = () => reject(t.error || new Error("transaction aborted"));
  });
}

export async function getMeta(key, fallback = null) {
  const row = await tx(["meta"], "readonly", ({ meta }) => request(meta.get(key)));
  return row ? row.value : fallback;
}

export function setMeta(key, value) {
  return tx(["meta"], "readwrite", ({ meta }) => request(meta.put({ key, value })));
}

// One device id per account on this phone: the server binds a device id to the account that first
// pushed from it (fieldnotes/sync/devices.py), so each person on a shared phone has their own.
export async function deviceId(account) {
  const key = account == null ? "device_id" : `device:${account}`;
  let id = await getMeta(key);
  if (!id) {
    id = crypto.randomUUID();
    await setMeta(key, id);
  }
  return id;
}

// A store this phone has (indexedDB.databases() says; a browser without it is assumed to have it).
export async function hasStore(name) {
  return !indexedDB.databases || (await indexedDB.databases()).some((db) => db.name === name);
}

// `account`'s interviews the server does not hold yet, for every "not sent", sign-out and the export; their
// store's module only where the store is: a phone that never recorded one loads nothing more.
export async function unsentInterviews(account) {
  if (account == null || !(await hasStore("fieldnotes-interviews"))) return [];
  const { allInterviews } = await import("./interview-store.js");
  return (await allInterviews()).filter((row) => row.account === account && row.state !== "sent");
}

export async function all(store, index = null, key = undefined) {
  const rows = await tx([store], "readonly", (stores) => {
    const source = index ? stores[store].index(index) : stores[store];
    return request(source.getAll(key));
  });
  return store === "blobs" ? rows.map(asBlob) : rows;
}

// Media kept as bytes where the engine could not keep a Blob (outbox.js): a Blob again for its readers.
function asBlob(row) {
  return row.blob instanceof ArrayBuffer ? { ...row, blob: new Blob([row.blob], { type: row.mime }) } : row;
}
