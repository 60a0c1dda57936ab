// Enter sends, Shift+Enter makes a new line (IME composition is left alone).
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLTextAreaElement) || target.id !== "composer") return;
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  if (!target.disabled && target.form) target.form.requestSubmit();
});

// Keep the newest text in view while a reply streams, unless the reader scrolled up.
// Appending never reads layout: the page scrolls at most once a frame (in an animation frame,
// after that frame's text is in), and whether the reader is at the bottom is decided from
// scroll events, so a layout is computed once a frame at most and never just to ask. A
// conversation opens (or reloads) at its newest message: the rows may be drawn in the same
// step as the transcript itself, before anything here could watch them.
const ntFollow = {
  transcript: null,
  pinned: true,
  // scrollTop right after this page last scrolled to the bottom: a scroll event that finds
  // the transcript above it was the reader's.
  ownTop: -1,
  frame: 0,

  attach(transcript) {
    this.transcript = transcript;
    this.pinned = true;
    this.ownTop = -1;
    transcript.addEventListener("scroll", () => this.scrolled(), { passive: true });
    new MutationObserver((changes) => this.changed(changes)).observe(transcript, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["data-conversation", "style"],
    });
    this.request();
  },

  // Scroll events come at the start of a frame, before this frame's text is laid out. Still
  // where this page left it: pinned (the text may have grown since). Above it: the reader
  // scrolled up, unless the transcript merely got shorter and is still at its bottom.
  scrolled() {
    const t = this.transcript;
    const top = t.scrollTop;
    if (this.pinned && top >= this.ownTop - 1) return;
    this.pinned = t.scrollHeight - top - t.clientHeight < 48;
    if (this.pinned) this.ownTop = top;
  },

  // React drew something (a finished message, another conversation): follow it if pinned.
  // The live reply's own appends are left out here: ntLive asks for a frame itself.
  changed(changes) {
    const live = document.getElementById("live-text");
    let moved = false;
    for (const change of changes) {
      if (change.attributeName === "data-conversation") {
        this.pinned = true; // another conversation: from its newest message
        this.ownTop = -1;
      }
      if (!live || !live.contains(change.target)) moved = true;
    }
    if (moved && ntEarlier.row) requestAnimationFrame(() => ntEarlier.restore(this.transcript));
    if (moved) this.request();
  },

  request() {
    if (!this.pinned || this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const t = this.transcript;
      if (!this.pinned || !t || !t.isConnected) return;
      // Past the end: the browser stops at the bottom (no need to ask how tall it is).
      t.scrollTop = 1e9;
      this.ownTop = t.scrollTop;
    });
  },
};
// "Earlier messages" brings older rows in above the ones on show: the row the reader was
// looking at stays where it was on screen (the browser's scroll anchoring cannot be relied
// on here: rows are placed by flex order, not by their order in the document).
const ntEarlier = {
  row: null,
  top: 0,

  remember(transcript) {
    const edge = transcript.getBoundingClientRect().top;
    this.row = null;
    this.top = Infinity;
    for (const row of transcript.querySelectorAll(":scope > .nt-msg")) {
      const box = row.getBoundingClientRect();
      if (box.height && box.bottom > edge && box.top < this.top) {
        this.row = row;
        this.top = box.top;
      }
    }
  },

  restore(transcript) {
    const row = this.row;
    this.row = null;
    if (!row || !row.isConnected || !transcript) return;
    transcript.scrollTop += row.getBoundingClientRect().top - this.top;
  },
};
document.addEventListener(
  "click",
  (event) => {
    const transcript = document.getElementById("transcript");
    if (transcript && event.target instanceof Element && event.target.closest("#show-earlier"))
      ntEarlier.remember(transcript);
  },
  true,
);

const ntFollowTranscript = () => {
  const transcript = document.getElementById("transcript");
  if (transcript && transcript !== ntFollow.transcript) ntFollow.attach(transcript);
};
// The composer takes the focus when it appears (as the page opens), unless the reader has
// put it somewhere already: a picker opened while the page was still drawing keeps it, where
// React's autoFocus would take it away (and the picker would close).
let ntComposerSeen = null;
const ntFocusNewComposer = () => {
  const composer = document.getElementById("composer");
  if (!composer || composer === ntComposerSeen) return;
  ntComposerSeen = composer;
  const active = document.activeElement;
  if (!active || active === document.body) composer.focus();
};
new MutationObserver(() => {
  ntFollowTranscript();
  ntFocusNewComposer();
}).observe(document.documentElement, { childList: true, subtree: true });
// This script may load after React drew the transcript and every row: no mutation is left
// to tell the observer, so look once now (else the page stays at the top: issue 15).
ntFollowTranscript();
ntFocusNewComposer();

// The reply in progress: the server sends only new text with its offset (in code points);
// appending here keeps the websocket cost linear in the reply. A gap (a reconnect, a reload
// mid-reply) is closed by fetching the exact text so far from /api/replies/<id>.
//
// Markdown while it streams: a batch may also say where finished markdown blocks end (the
// server's block splitter). Each finished block is cut from the text once and handed to the
// page's markdown component (#live-blocks, ui/chat/live/markdown_view.py) in a "nt-live-blocks"
// event; the list only grows, and each block is drawn once. #live-text shows the rest as
// plain text: the block being written, and finished blocks until the component has drawn
// them (it says so before the browser paints, so no text is shown twice or goes missing).
//
// The plain text is drawn as a column of blocks ("chunks"): a new chunk starts after a newline
// once the current one holds CHUNK_SOFT characters (an invisible seam), or after a space once
// it holds CHUNK_HARD (that line ends early; the finished message, drawn as markdown, has no
// seam). Appending then lays out only the last chunk, not one block as long as the reply,
// so the page's work per append stays the same however long the reply grows.
const CHUNK_SOFT = 1024;
const CHUNK_HARD = 2048;

// Where ``text`` may be split to start a new chunk, given the current chunk's length: the
// index after a newline (or a space, past the hard limit), or -1 to keep it whole.
const ntSeam = (size, text) => {
  if (size + text.length < CHUNK_SOFT) return -1;
  const from = Math.max(0, CHUNK_SOFT - size);
  const newline = text.indexOf("\n", from);
  if (newline >= 0) return newline + 1;
  if (size + text.length < CHUNK_HARD) return -1;
  const space = text.indexOf(" ", Math.max(0, CHUNK_HARD - size));
  return space >= 0 ? space + 1 : -1;
};

window.ntLive = {
  id: 0,
  points: 0,
  // Finished markdown blocks (their text), how many the component has drawn, and the text
  // after the last one with where it starts (code points).
  blocks: [],
  drawnBlocks: 0,
  tail: "",
  tailStart: 0,
  element: null,
  chunk: null,
  chunkSize: 0,
  cursor: null,
  syncing: false,
  waiting: [],

  append(id, offset, chunk, cost, ends) {
    if (id !== this.id) this.reset(id);
    if (cost !== undefined) this.cost(id, cost);
    if (this.syncing) {
      this.waiting.push([offset, chunk, ends]);
      return;
    }
    this.apply(offset, chunk, ends);
  },

  // The live cost estimate of the reply in flight, a few times a second.
  cost(id, text) {
    const element = document.getElementById("live-cost");
    if (element && id === Number(document.getElementById("live-text")?.dataset.messageId)) {
      element.textContent = `${text} so far (estimate)`;
    }
  },

  reset(id) {
    this.id = id;
    this.points = 0;
    this.blocks = [];
    this.drawnBlocks = 0;
    this.tail = "";
    this.tailStart = 0;
    this.element = null;
    this.chunk = null;
    this.waiting = [];
    this.syncing = false;
    this.announce();
  },

  apply(offset, chunk, ends) {
    if (offset > this.points) {
      this.waiting.push([offset, chunk, ends]);
      this.resync();
      return;
    }
    let fresh = chunk;
    if (offset < this.points) {
      const chars = Array.from(chunk);
      const skip = this.points - offset;
      if (skip >= chars.length) return; // already have all of it
      fresh = chars.slice(skip).join("");
    }
    this.tail += fresh;
    this.points += Array.from(fresh).length;
    this.render(fresh);
    if (ends) this.settle(ends);
  },

  // Cuts the blocks that end at ``ends`` (code points, in order) from the tail. A cut that
  // would leave a block of blank lines only is skipped: that text joins the next block.
  settle(ends) {
    let added = false;
    for (const end of ends) {
      if (end <= this.tailStart || end > this.points) continue;
      let index = 0;
      let count = end - this.tailStart;
      for (const char of this.tail) {
        if (count-- === 0) break;
        index += char.length;
      }
      const block = this.tail.slice(0, index);
      if (!block.trim()) continue;
      this.blocks = [...this.blocks, block];
      this.tail = this.tail.slice(index);
      this.tailStart = end;
      added = true;
    }
    if (added) this.announce();
  },

  // The finished blocks of reply ``id`` (for the component when it mounts).
  blocksOf(id) {
    return id === this.id ? this.blocks : [];
  },

  announce() {
    const detail = { id: this.id, blocks: this.blocks };
    document.dispatchEvent(new CustomEvent("nt-live-blocks", { detail }));
  },

  // The component drew ``count`` blocks of reply ``id``: their plain text leaves #live-text.
  drawn(id, count) {
    if (id !== this.id || count === this.drawnBlocks) return;
    this.drawnBlocks = count;
    this.render(null);
  },

  // The plain text on show: finished blocks not drawn yet, then the block being written.
  plain() {
    return this.blocks.slice(this.drawnBlocks).join("") + this.tail;
  },

  async resync() {
    if (this.syncing) return;
    this.syncing = true;
    const id = this.id;
    try {
      const response = await fetch(`/api/replies/${id}`, { cache: "no-store" });
      const body = await response.json();
      if (id !== this.id) return;
      if (body.points >= this.points) {
        this.points = body.points;
        this.tail = body.text;
        this.tailStart = 0;
        const drawn = this.blocks.length;
        this.blocks = [];
        this.settle(body.blocks || []);
        // The component keeps what it drew: the same blocks, from the same text.
        this.drawnBlocks = Math.min(this.drawnBlocks, drawn, this.blocks.length);
        this.element = null;
      }
    } finally {
      if (id === this.id) {
        this.syncing = false;
        const waiting = this.waiting.sort((a, b) => a[0] - b[0]);
        this.waiting = [];
        for (const [offset, chunk, ends] of waiting) {
          if (offset <= this.points) this.apply(offset, chunk, ends);
        }
        this.render(null);
      }
    }
  },

  // Draws ``fresh`` (or, with null, the whole plain text again). Writes only: text nodes,
  // never markup, so model output cannot become elements or script.
  render(fresh, tries = 0) {
    const element = document.getElementById("live-text");
    if (!element || element.dataset.messageId !== String(this.id)) {
      // React has not drawn it yet (or the reply has just finished): retry for a moment.
      const id = this.id;
      if (tries < 120) requestAnimationFrame(() => id === this.id && this.render(null, tries + 1));
      return;
    }
    if (element !== this.element || fresh === null) {
      element.replaceChildren();
      this.element = element;
      this.chunk = null;
      this.cursor = null;
      this.write(this.plain());
    } else {
      this.write(fresh);
    }
    ntFollow.request();
  },

  // The cursor blinks after the last text: it moves into each new chunk.
  write(text) {
    let rest = text;
    while (rest) {
      if (!this.chunk) {
        this.chunk = document.createElement("div");
        this.chunk.className = "nt-chunk";
        this.chunkSize = 0;
        this.element.appendChild(this.chunk);
        if (!this.cursor) {
          this.cursor = document.createElement("span");
          this.cursor.className = "nt-cursor";
        }
        this.chunk.appendChild(this.cursor);
      }
      const seam = ntSeam(this.chunkSize, rest);
      const head = seam < 0 ? rest : rest.slice(0, seam);
      this.chunk.insertBefore(document.createTextNode(head), this.cursor);
      this.chunkSize += head.length;
      rest = seam < 0 ? "" : rest.slice(seam);
      if (seam >= 0) this.chunk = null;
    }
  },
};

// After a reload mid-reply the page has the element but no text yet: fetch it.
new MutationObserver(() => {
  const element = document.getElementById("live-text");
  const id = element ? Number(element.dataset.messageId) : 0;
  if (id && id !== window.ntLive.id) {
    window.ntLive.reset(id);
    window.ntLive.resync();
  }
}).observe(document.documentElement, {
  childList: true,
  subtree: true,
  attributes: true,
  attributeFilter: ["data-message-id"],
});

// Escape stops the reply in progress (the Stop button is enabled only while one streams).
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const stop = document.getElementById("stop");
  if (stop && !stop.disabled) stop.click();
});

// Pre-flight estimate while typing: debounced, one small POST with the draft (never a
// websocket event per keystroke); the server counts the context that would really be sent.
const ntPreflight = { timer: 0, controller: null };
const showPreflight = (text, over) => {
  const element = document.getElementById("preflight-estimate");
  if (!element) return;
  element.textContent = text;
  element.dataset.over = over ? "true" : "false";
};
document.addEventListener("input", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLTextAreaElement) || target.id !== "composer") return;
  clearTimeout(ntPreflight.timer);
  ntPreflight.timer = setTimeout(async () => {
    if (ntPreflight.controller) ntPreflight.controller.abort();
    if (!target.value.trim()) {
      showPreflight("", false);
      return;
    }
    const tooLong = ntTooLong(target);
    if (tooLong) {
      showPreflight(tooLong, true);
      return;
    }
    const controller = new AbortController();
    ntPreflight.controller = controller;
    try {
      const response = await fetch("/api/preflight", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          conversation_id: Number(target.dataset.conversationId || 0),
          parent_id: Number(target.dataset.leafId || 0),
          edit_of: Number(target.dataset.editingId || 0),
          model: target.dataset.model || "",
          text: target.value,
        }),
        signal: controller.signal,
      });
      if (!response.ok) return;
      const body = await response.json();
      showPreflight(body.refused ? `${body.estimate} · over budget: not sendable` : body.estimate, !!body.refused);
    } catch (error) {
      if (error.name !== "AbortError") showPreflight("", false);
    }
  }, 300);
});
document.addEventListener("submit", (event) => {
  if (event.target instanceof HTMLFormElement && event.target.querySelector("#composer")) {
    clearTimeout(ntPreflight.timer);
    if (ntPreflight.controller) ntPreflight.controller.abort(); // a late answer must not re-show it
    showPreflight("", false);
  }
});

// A draft over the server's limit never leaves the page: it would be refused anyway, and a
// huge one could exceed what the websocket carries. Counted in code points, as the server
// counts (a string's length counts UTF-16 units). Capture phase: before React's handler.
const ntTooLong = (composer) => {
  const limit = Number(composer.dataset.maxChars || 0);
  if (!limit || composer.value.length <= limit) return "";
  const chars = [...composer.value].length;
  if (chars <= limit) return "";
  const n = (x) => x.toLocaleString("en-US");
  return `Not sent: this message is ${n(chars)} characters; the limit is ${n(limit)}. Shorten it or raise NEURAL_TERMINAL_MAX_MESSAGE_CHARS.`;
};
document.addEventListener(
  "submit",
  (event) => {
    const composer = event.target instanceof HTMLFormElement && event.target.querySelector("#composer");
    const tooLong = composer && ntTooLong(composer);
    if (!tooLong) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    clearTimeout(ntPreflight.timer);
    showPreflight(tooLong, true);
  },
  true,
);

// Hosted mode: log out with a POST from this page (a link would be a GET that any page
// could trigger), then show the login page.
document.addEventListener("click", async (event) => {
  if (!(event.target instanceof HTMLElement) || event.target.id !== "logout") return;
  event.preventDefault();
  await fetch("/logout", { method: "POST", credentials: "same-origin", redirect: "manual" });
  window.location.assign("/login");
});

// [ and ] switch between the alternatives of a message (an edited question, a regenerated
// reply): the message holding the focus, else the newest one on show that has alternatives.
// Rows are placed by their flex order (the branch's path), not by their place in the DOM.
const ntOrder = (el) => Number(getComputedStyle(el).order || 0);
document.addEventListener("keydown", (event) => {
  if (event.key !== "[" && event.key !== "]") return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const active = document.activeElement;
  if (active instanceof HTMLTextAreaElement || active instanceof HTMLInputElement) return;
  if (active instanceof HTMLSelectElement) return;
  const shown = (el) => el.offsetParent !== null;
  let row = active instanceof HTMLElement ? active.closest(".nt-msg") : null;
  if (!row || !row.querySelector(".nt-siblings")) {
    const rows = [...document.querySelectorAll("#transcript > .nt-msg")].filter(
      (el) => shown(el) && el.querySelector(".nt-siblings"),
    );
    rows.sort((a, b) => ntOrder(a) - ntOrder(b));
    row = rows[rows.length - 1];
  }
  const button = row?.querySelector(event.key === "[" ? ".sibling-prev" : ".sibling-next");
  if (button && !button.disabled) {
    event.preventDefault();
    button.click();
  }
});

// Escape leaves a title being renamed in the sidebar as it was.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !(event.target instanceof HTMLInputElement)) return;
  if (event.target.id !== "rename-input") return;
  event.preventDefault();
  document.getElementById("rename-cancel")?.click();
});
