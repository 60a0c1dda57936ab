// The page's layout: the sidebar as a drawer on narrow screens, and the transcript kept at
// its newest message when its box changes size.

// Below 900 px the sidebar is a drawer (assets/terminal.css): the header's ☰ opens it; the
// backdrop, Escape, or opening a conversation closes it.
const ntDrawer = {
  shell() {
    return document.querySelector(".nt-shell");
  },
  set(open) {
    const shell = this.shell();
    if (!shell) return;
    shell.dataset.drawer = open ? "open" : "closed";
    const toggle = document.getElementById("drawer-toggle");
    if (toggle) toggle.setAttribute("aria-expanded", String(open));
    if (open) {
      const first = document.querySelector("#sidebar button, #sidebar select, #sidebar input");
      if (first) first.focus();
    } else if (toggle && document.activeElement && shell.querySelector("#sidebar:focus-within")) {
      toggle.focus();
    }
  },
  isOpen() {
    const shell = this.shell();
    return Boolean(shell && shell.dataset.drawer === "open");
  },
};
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;
  if (target.closest("#drawer-toggle")) ntDrawer.set(!ntDrawer.isOpen());
  else if (target.closest("#drawer-backdrop")) ntDrawer.set(false);
  else if (ntDrawer.isOpen() && target.closest("#sidebar .nt-conv-title, #sidebar .nt-hit, #new-conversation")) {
    ntDrawer.set(false);
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && ntDrawer.isOpen()) ntDrawer.set(false);
});

// The transcript scrolls itself to the newest message when rows are drawn (ntFollow in
// assets/terminal.js). Its box also changes size without any row changing: the header or the
// status line grows or shrinks, the fonts arrive, the window is resized. A transcript that was
// at its bottom stays there (a ResizeObserver runs after layout, so nothing is measured twice).
const ntWatchSize = () => {
  const transcript = document.getElementById("transcript");
  if (!transcript || transcript.dataset.ntResize) return;
  transcript.dataset.ntResize = "1";
  new ResizeObserver(() => {
    if (typeof ntFollow !== "undefined" && ntFollow.transcript === transcript) ntFollow.request();
  }).observe(transcript);
};
new MutationObserver(ntWatchSize).observe(document.documentElement, {
  childList: true,
  subtree: true,
});
ntWatchSize(); // the transcript may be drawn before this script runs
// The web font arriving re-flows every row (font-display: swap) with no row changing.
if (document.fonts) {
  document.fonts.addEventListener("loadingdone", () => {
    if (typeof ntFollow !== "undefined" && ntFollow.transcript) ntFollow.request();
  });
}

// The import drop zone's file input (made by react-dropzone, no props of ours reach it):
// named for screen readers like the button beside it.
const ntNameFileInput = () => {
  const input = document.querySelector("input[type=file]:not([aria-label])");
  if (input) input.setAttribute("aria-label", "import conversations from files");
};
new MutationObserver(ntNameFileInput).observe(document.documentElement, {
  childList: true,
  subtree: true,
});
ntNameFileInput();
