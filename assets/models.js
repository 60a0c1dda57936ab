// The model picker (ui/models/picker.py): search by name, id or provider as you type, arrows
// and Enter to choose, Escape to close, a star to list a model first.
//
// The catalogue reaches the page once (the #model-ids datalist, written by the server when the
// list is loaded or refreshed); searching, ordering and drawing happen here, so a keystroke
// sends nothing over the websocket and no var of 300+ rows is resent. Only PAGE rows are drawn
// at a time (more as the list scrolls or the highlight moves down). A choice or a star goes
// back through a hidden form (#model-choose, #model-star-form): the server checks and stores
// it, and the page follows its answer (the button's data-model-id, the root's data-favourites).
//
// The palette and /model completion (keys.js) use `ntModels.match` too: one rule everywhere,
// the server's (chat/commands/registry.py match_models).
(() => {
  if (window.ntModels) return; // the page's scripts can load twice on a client-side visit
  const PAGE = 50;
  const byId = (id) => document.getElementById(id);

  // ---- The catalogue and the favourites, as the page holds them ---------------------------
  const cache = { list: null, entries: [], dirty: true };
  const entries = () => {
    const list = byId("model-ids");
    if (list !== cache.list) {
      cache.list = list;
      cache.dirty = true;
      if (list) {
        new MutationObserver(() => {
          cache.dirty = true;
          redraw(); // a refreshed catalogue, while the list is open
        }).observe(list, {
          childList: true,
          subtree: true,
          attributes: true,
          characterData: true,
        });
      }
    }
    if (cache.dirty) {
      cache.entries = [...(list?.options || [])].map((o, index) => ({
        id: o.value,
        label: o.label || o.value,
        prices: o.dataset.prices || "",
        free: o.dataset.free === "true",
        index,
        // Lower-cased once: the id holds the provider (before its "/"), the label the name.
        text: `${o.value} ${o.label || ""}`.toLowerCase(),
      }));
      cache.dirty = false;
    }
    return cache.entries;
  };
  const favourites = () => {
    try {
      return JSON.parse(byId("model-picker-root")?.dataset.favourites || "[]");
    } catch {
      return [];
    }
  };
  const current = () => byId("model-picker")?.dataset.modelId || "";

  // An exact id alone; else every model whose id or name holds each word; starred ones first
  // (in the order they were starred), then the catalogue's order.
  const match = (query, models = entries()) => {
    const wanted = query.trim().toLowerCase();
    let found = models;
    if (wanted) {
      const exact = models.filter((m) => m.id.toLowerCase() === wanted);
      const words = wanted.split(/\s+/);
      found = exact.length ? exact : models.filter((m) => words.every((w) => m.text.includes(w)));
    }
    const starred = new Map(favourites().map((id, n) => [id, n]));
    if (!starred.size) return found;
    const rank = (m) => (starred.has(m.id) ? starred.get(m.id) : starred.size + m.index);
    return [...found].sort((a, b) => rank(a) - rank(b));
  };

  // ---- The popup ---------------------------------------------------------------------------
  const picker = { items: [], index: 0, shown: 0, open: false };
  const parts = () => ({
    button: byId("model-picker"),
    popup: byId("model-popup"),
    search: byId("model-search"),
    list: byId("model-list"),
    status: byId("model-picker-status"),
    star: byId("model-star"),
  });
  const span = (className, text) => {
    const el = document.createElement("span");
    el.className = className;
    el.textContent = text; // text only: ids and names never become markup
    return el;
  };
  const row = (m, n, starred, chosen) => {
    const li = document.createElement("li");
    li.role = "option";
    li.id = `model-option-${n}`;
    li.className = "nt-model-option";
    li.dataset.modelId = m.id;
    li.dataset.free = m.free ? "true" : "false";
    li.dataset.starred = starred ? "true" : "false";
    li.setAttribute("aria-selected", n === picker.index ? "true" : "false");
    const star = span("nt-model-star", starred ? "★" : "☆");
    star.setAttribute("aria-hidden", "true"); // the star button below does it by keyboard
    star.title = starred ? "Unstar" : "Star: list it first";
    star.addEventListener("mousedown", (event) => {
      event.preventDefault();
      event.stopPropagation();
      submitStar(m.id, !starred);
    });
    const head = document.createElement("div");
    head.className = "nt-model-head";
    head.append(star, span("nt-model-name", m.label));
    if (m.free) head.append(span("nt-model-free", "FREE"));
    if (starred) head.append(span("nt-sr-only", ", starred"));
    if (chosen) head.append(span("nt-model-chosen", "in use"));
    li.append(head, span("nt-model-id nt-dim", m.id), span("nt-model-prices nt-figure", m.prices));
    li.addEventListener("mousedown", (event) => {
      event.preventDefault(); // the focus stays in the search box
      picker.index = n;
      choose();
    });
    return li;
  };
  // Rows from..to of the matches; the whole list again unless ``from`` is where it ends.
  const drawRows = (from, to) => {
    const { list, status } = parts();
    if (!list) return;
    const starred = new Set(favourites());
    const chosen = current();
    const rows = [];
    for (let n = from; n < to; n++) {
      const m = picker.items[n];
      rows.push(row(m, n, starred.has(m.id), m.id === chosen));
    }
    if (from === 0) list.replaceChildren(...rows);
    else list.append(...rows);
    picker.shown = to;
    const count = picker.items.length;
    if (status) {
      status.textContent =
        count === 0
          ? "no model matches"
          : `${count} of ${entries().length} models` +
            (picker.shown < count ? ` · ${picker.shown} shown: type to narrow` : "");
    }
  };
  const draw = () => {
    drawRows(0, Math.min(picker.items.length, Math.max(PAGE, picker.index + 1)));
    highlight(false);
  };
  const more = () => {
    if (picker.shown < picker.items.length) {
      drawRows(picker.shown, Math.min(picker.items.length, picker.shown + PAGE));
    }
  };
  // The star button names what it does to the highlighted model.
  const updateStar = () => {
    const { star } = parts();
    if (!star) return;
    const active = picker.items[picker.index];
    const on = !!active && favourites().includes(active.id);
    star.disabled = !active;
    star.textContent = on ? "★ unstar" : "☆ star";
    star.setAttribute("aria-label", active ? `${on ? "Unstar" : "Star"} ${active.id} (Alt+S)` : "Star");
    star.setAttribute("aria-pressed", on ? "true" : "false");
  };
  // Moves the highlight to picker.index (drawing more rows when it passes the last one drawn).
  const highlight = (scroll = true) => {
    const { list, search } = parts();
    if (!list) return;
    while (picker.index >= picker.shown && picker.shown < picker.items.length) more();
    for (const li of list.querySelectorAll('[aria-selected="true"]')) li.setAttribute("aria-selected", "false");
    const li = byId(`model-option-${picker.index}`);
    li?.setAttribute("aria-selected", "true");
    search?.setAttribute("aria-activedescendant", li ? li.id : "");
    search?.setAttribute("aria-expanded", picker.open ? "true" : "false");
    if (scroll) li?.scrollIntoView({ block: "nearest" });
    updateStar();
  };
  const filter = () => {
    const query = parts().search?.value || "";
    picker.items = match(query);
    // Before any search the model in use is highlighted; while searching, the first match.
    picker.index = query.trim() ? 0 : Math.max(0, picker.items.findIndex((m) => m.id === current()));
    draw();
    byId(`model-option-${picker.index}`)?.scrollIntoView({ block: "nearest" });
  };
  // The list again (new favourites, a refreshed catalogue), the highlight kept on its model.
  const redraw = () => {
    if (!picker.open) return;
    const { search } = parts();
    const keep = picker.items[picker.index]?.id;
    picker.items = match(search?.value || "");
    picker.index = Math.max(0, picker.items.findIndex((m) => m.id === keep));
    draw();
  };
  const open = () => {
    const { button, popup, search } = parts();
    if (!popup || !search) return;
    picker.open = true;
    popup.hidden = false;
    button?.setAttribute("aria-expanded", "true");
    search.value = "";
    picker.items = [];
    filter();
    search.focus();
  };
  const close = (refocus = true) => {
    const { button, popup, search } = parts();
    if (!popup || popup.hidden) return;
    picker.open = false;
    popup.hidden = true;
    button?.setAttribute("aria-expanded", "false");
    search?.setAttribute("aria-expanded", "false");
    if (refocus) button?.focus();
  };
  const submit = (formId, values) => {
    const form = byId(formId);
    if (!(form instanceof HTMLFormElement)) return;
    for (const [name, value] of Object.entries(values)) {
      const field = form.elements.namedItem(name);
      if (field instanceof HTMLInputElement) field.value = value;
    }
    form.requestSubmit();
  };
  const submitStar = (modelId, starred) =>
    submit("model-star-form", { model_id: modelId, starred: starred ? "true" : "false" });
  const toggleStar = () => {
    const active = picker.items[picker.index];
    if (active) submitStar(active.id, !favourites().includes(active.id));
  };
  const choose = () => {
    const active = picker.items[picker.index];
    if (!active) return;
    submit("model-choose", { model_id: active.id });
    close();
  };

  // ---- Events ------------------------------------------------------------------------------
  document.addEventListener("click", (event) => {
    const { button, star } = parts();
    if (button && event.target instanceof Node && button.contains(event.target)) {
      if (picker.open) close();
      else open();
    } else if (star && event.target === star) {
      toggleStar();
      parts().search?.focus();
    }
  });
  document.addEventListener("input", (event) => {
    if (event.target === parts().search) filter();
  });
  // Capture phase: before terminal.js's Escape (stop the reply) and keys.js's keys.
  document.addEventListener(
    "keydown",
    (event) => {
      const { button, popup, search } = parts();
      if (event.isComposing) return;
      if (event.target === button && !picker.open && ["ArrowDown", "ArrowUp"].includes(event.key)) {
        event.preventDefault();
        open();
        return;
      }
      if (!popup || popup.hidden || !(event.target instanceof Node) || !popup.contains(event.target)) return;
      const count = picker.items.length;
      const step = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 }[event.key];
      if (step && count) {
        const next = picker.index + step;
        picker.index = Math.abs(step) === 1 ? (next + count) % count : Math.min(count - 1, Math.max(0, next));
        highlight();
      } else if (event.key === "Enter" && event.target === search) choose();
      else if (event.key === "Escape") close();
      else if (event.altKey && event.code === "KeyS") toggleStar();
      else return;
      event.preventDefault();
      event.stopImmediatePropagation();
    },
    true,
  );
  // Scrolling near the end draws the next rows.
  document.addEventListener(
    "scroll",
    (event) => {
      const list = parts().list;
      if (event.target !== list || picker.shown >= picker.items.length) return;
      if (list.scrollTop + list.clientHeight > list.scrollHeight - 80) more();
    },
    true,
  );
  // Focus or a click elsewhere closes the popup (the focus goes where it went).
  document.addEventListener("focusin", (event) => {
    const root = byId("model-picker-root");
    if (picker.open && root && event.target instanceof Node && !root.contains(event.target)) close(false);
  });
  document.addEventListener("mousedown", (event) => {
    const root = byId("model-picker-root");
    if (picker.open && root && event.target instanceof Node && !root.contains(event.target)) close(false);
  });
  // The server's answers: a star stored, a refreshed catalogue, another model in use.
  new MutationObserver(() => redraw()).observe(document.documentElement, {
    subtree: true,
    attributes: true,
    attributeFilter: ["data-favourites", "data-model-id"],
  });

  window.ntModels = { entries, favourites, match, open, close, filter };
})();
