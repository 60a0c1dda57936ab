// Enter sends, Shift+Enter makes a new line (IME composition is left alone).
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLTextAreaElement) || target.id !== "composer") return;
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  if (!target.disabled && target.form) target.form.requestSubmit();
});
