// Enter sends, Shift+Enter makes a new line (IME composition is left alone).
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLTextAreaElement) || target.id !== "composer") return;
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  if (!target.disabled && target.form) target.form.requestSubmit();
});

// Keep the newest text in view while a reply streams, unless the reader scrolled up.
const followTranscript = () => {
  const transcript = document.getElementById("transcript");
  if (!transcript || transcript.dataset.follow) return;
  transcript.dataset.follow = "on";
  let pinned = true;
  transcript.addEventListener("scroll", () => {
    pinned = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 48;
  });
  new MutationObserver(() => {
    if (pinned) transcript.scrollTop = transcript.scrollHeight;
  }).observe(transcript, { childList: true, subtree: true, characterData: true });
};
new MutationObserver(followTranscript).observe(document.documentElement, {
  childList: true,
  subtree: true,
});
