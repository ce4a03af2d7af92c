// browse-counts.js: the browse page listed its notes before counting them, as the filters keep many
// (explore/browse.py). This asks for the counts and puts them in place: the heading's number (the heading
// is a live region, so it is said), and the filters' options with theirs. If the counts cannot be had,
// the heading and the filters say so, and the "Show the counts" link reloads the page counted.

const options = document.getElementById("facet-options");

async function fill() {
  const heading = document.getElementById("results-heading");
  try {
    const response = await fetch(options.dataset.counts, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const counts = await response.json();
    heading.textContent = counts.heading;
    // A fragment the server rendered from its own template, autoescaped (explore/_facet_options.html).
    options.innerHTML = counts.options;
  } catch {
    heading.textContent = "Notes that match (not counted)";
    options.querySelector(".counting").firstChild.textContent = "The notes could not be counted just now. ";
  } finally {
    options.removeAttribute("aria-busy");
  }
}

if (options?.dataset.counts) fill();
