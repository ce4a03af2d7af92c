// browse-counts.js: the browse page listed its notes before counting them, as the filters keep many
// (explore/browse.py). This asks for the counts and puts them in place: the heading's number, and the
// filters' options with theirs. The status line says the number once, for screen readers. If the counts
// cannot be had, the page says so and keeps its "Show the counts" link, which reloads it counted.

const options = document.getElementById("facet-options");

async function fill() {
  const heading = document.getElementById("results-heading");
  const status = document.getElementById("counts-status");
  try {
    const response = await fetch(options.dataset.counts, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const counts = await response.json();
    // Rendered and escaped by the server's templates (explore/_found_heading.html, _facet_options.html).
    heading.innerHTML = counts.heading;
    options.innerHTML = counts.options;
    status.textContent = `${heading.textContent}.`;
  } catch {
    const waiting = options.querySelector(".counting");
    waiting.firstChild.textContent = "The notes could not be counted just now. ";
    status.textContent = "The notes could not be counted just now.";
  } finally {
    options.removeAttribute("aria-busy");
  }
}

if (options?.dataset.counts) fill();
