// Presentation mode: one slide at a time, keys and swipes to move, Esc to leave, a Full screen button.
// Without this script the page is a list of sections with anchors, which still works.
(() => {
  const deck = document.getElementById('deck');
  if (!deck) return;
  const slides = [...deck.querySelectorAll('.slide')];
  const position = document.getElementById('deck-position');
  let current = 0;

  function indexFromHash() {
    const i = slides.findIndex(s => '#' + s.id === location.hash);
    return i < 0 ? 0 : i;
  }

  function show(i, focus = true) {
    current = Math.max(0, Math.min(slides.length - 1, i));
    slides.forEach((s, n) => { s.hidden = n !== current; });
    position.textContent = current === 0 ? 'Title' : `Insight ${current} of ${slides.length - 1}`;
    // Opening on the title leaves the address alone: a #slide-0 written before the page finished
    // loading made the browser scroll to it, below the deck bar, on a phone.
    if (focus || location.hash) history.replaceState(null, '', '#' + slides[current].id);
    window.scrollTo(0, 0);
    if (focus) {
      slides[current].tabIndex = -1;
      slides[current].focus({preventScroll: true});
    }
  }

  deck.classList.add('js-deck');
  show(indexFromHash(), false);
  // The browser scrolls to a #slide-N it was opened with once the page has loaded; the deck bar
  // (where you are, how to leave) is at the top, so the deck opens there, unless already scrolled by hand.
  let moved = false;
  window.addEventListener('load', () => { if (!moved) window.scrollTo(0, 0); }, {once: true});
  window.addEventListener('wheel', () => { moved = true; }, {once: true, passive: true});
  window.addEventListener('touchmove', () => { moved = true; }, {once: true, passive: true});

  // Esc leaves the presentation for the board (in full screen, the browser's own Esc leaves that first).
  const leave = document.getElementById('leave-presentation');

  const KEYS = {ArrowRight: 1, ArrowDown: 1, PageDown: 1, ' ': 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1};
  document.addEventListener('keydown', event => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'Escape' && leave && !document.fullscreenElement) { event.preventDefault(); location.assign(leave.href); return; }
    if (event.target.closest('input, textarea, select, audio, button')) return;
    if (event.key === 'Home') { show(0); event.preventDefault(); }
    else if (event.key === 'End') { show(slides.length - 1); event.preventDefault(); }
    else if (event.key in KEYS && !(event.key === ' ' && event.shiftKey)) { show(current + KEYS[event.key]); event.preventDefault(); }
  });

  // In-page links (contents, Previous, Next) move the deck instead of scrolling.
  deck.addEventListener('click', event => {
    const link = event.target.closest('a[href^="#slide-"]');
    if (!link) return;
    const i = slides.findIndex(s => '#' + s.id === link.getAttribute('href'));
    if (i >= 0) { event.preventDefault(); show(i); }
  });
  window.addEventListener('hashchange', () => show(indexFromHash()));

  // Swipe: a mostly horizontal pointer move of 50px or more.
  let start = null;
  document.addEventListener('pointerdown', event => {
    start = event.target.closest('a, button, audio, input') ? null : {x: event.clientX, y: event.clientY};
  });
  document.addEventListener('pointerup', event => {
    if (!start) return;
    const dx = event.clientX - start.x, dy = event.clientY - start.y;
    start = null;
    if (Math.abs(dx) >= 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) show(current + (dx < 0 ? 1 : -1));
  });
  document.addEventListener('pointercancel', () => { start = null; });

  const full = document.getElementById('fullscreen');
  if (document.fullscreenEnabled) {
    full.hidden = false;
    full.addEventListener('click', () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen();
    });
    document.addEventListener('fullscreenchange', () => {
      full.textContent = document.fullscreenElement ? 'Leave full screen' : 'Full screen';
    });
  }
})();
