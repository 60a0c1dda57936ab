// The telemetry page's key: "t" (outside a text field) goes to it from the terminal and back;
// Escape also goes back. Each page has one of the two links; a click keeps it in the app.
(() => {
  if (window.ntTelemetryKeys) return; // loaded by both pages: listen once
  window.ntTelemetryKeys = true;
  const typing = (target) =>
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const back = document.getElementById("terminal-link");
    if (event.key === "Escape" && back) {
      back.click();
    } else if (event.key === "t") {
      (back || document.getElementById("telemetry-link"))?.click();
    }
  });
})();
