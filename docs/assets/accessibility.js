// Small accessibility repairs applied after Material renders each page:
// - scrollable table wrappers become keyboard-focusable, so wide tables can be scrolled without a mouse;
// - the per-code-block toolbars get distinct names, so screen readers can tell these landmarks apart.
function repair() {
  document.querySelectorAll(".md-typeset__scrollwrap, .md-typeset table").forEach((el) => {
    if (el.scrollWidth > el.clientWidth && !el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "0");
    }
  });
  document.querySelectorAll(".md-code__nav").forEach((el, i) => {
    const title = el.closest(".highlight")?.querySelector(".filename")?.textContent?.trim();
    el.setAttribute("aria-label", `Code block ${i + 1}${title ? ": " + title : ""} tools`);
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(() => setTimeout(repair, 0));
} else {
  document.addEventListener("DOMContentLoaded", repair);
}
new MutationObserver(() => repair()).observe(document.body, { childList: true, subtree: true });
window.addEventListener("resize", repair);
