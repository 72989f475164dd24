// Animated figures: the page shows each animation's still poster (its last frame) and a Play button; nothing moves
// until the reader presses it (WCAG 2.2.2 Pause, Stop, Hide; also what prefers-reduced-motion asks for).
// The build writes, per figure (cnn_glossary.site.placeholders.render_figure):
//   <figure class="cg-figure cg-animation">
//     <a class="cg-animation-link" href="ANIMATION"><img src="POSTER" data-cg-poster data-cg-poster-alt
//        data-cg-animation data-cg-animation-alt ...></a>
//     <button type="button" class="cg-animation-toggle" aria-pressed="false" hidden>Play</button> ...
// Without JavaScript the poster links to the animation file and the button stays hidden. This script takes the
// poster out of its link (the button is the one control), unhides the button, and on each press swaps the image
// and its alt text. Plain classic script (works on pages opened from disk); it sets up each figure once, however
// often it runs.
(function () {
  "use strict";

  function setUp(figure) {
    if (figure.dataset.cgAnimationReady === "true") return;
    const img = figure.querySelector("img[data-cg-animation]");
    const button = figure.querySelector("button.cg-animation-toggle");
    if (!img || !button) return;
    figure.dataset.cgAnimationReady = "true";
    const link = img.closest("a.cg-animation-link");
    if (link && figure.contains(link)) link.replaceWith(img);

    function show(playing) {
      img.src = playing ? img.dataset.cgAnimation : img.dataset.cgPoster;
      img.alt = playing ? img.dataset.cgAnimationAlt : img.dataset.cgPosterAlt;
      button.textContent = playing ? "Stop" : "Play";
      button.setAttribute("aria-pressed", playing ? "true" : "false");
    }

    button.addEventListener("click", function () {
      show(button.getAttribute("aria-pressed") !== "true");
    });
    button.hidden = false;
  }

  function setUpAll() {
    document.querySelectorAll("figure.cg-animation").forEach(setUp);
  }

  setUpAll(); // a deferred script runs once the document is parsed
  if (typeof window.document$ !== "undefined" && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(setUpAll); // Material's instant navigation, if it is ever turned on
  }
})();
