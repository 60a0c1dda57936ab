// The keyboard: slash-command completion above the composer, keys outside text fields, and
// the Ctrl+K / Cmd+K palette. The command table comes from the page (#command-menu's
// data-commands, written from chat/commands/registry.py); models from the picker (models.js). Commands
// themselves run on the server (ui/commands/command_state.py): this file only fills the draft
// and submits it. Escape (stop), [ and ] and t live in terminal.js and telemetry.js.
(() => {
  if (window.ntKeys) return; // the page's scripts can load twice on a client-side visit
  const MAX_ITEMS = 8;
  const byId = (id) => document.getElementById(id);
  const isField = (el) =>
    el instanceof HTMLInputElement ||
    el instanceof HTMLTextAreaElement ||
    el instanceof HTMLSelectElement ||
    (el instanceof HTMLElement && el.isContentEditable);
  const commands = () => {
    try {
      return JSON.parse(byId("command-menu")?.dataset.commands || "[]");
    } catch {
      return [];
    }
  };
  // Name, then prices per million in/out and the window (or "free"), as the server wrote them.
  const modelHint = (m) => [m.label === m.id ? "" : m.label, m.prices].filter(Boolean).join(" · ");
  // The picker's rule and order (models.js): the same models in the same order everywhere.
  const matchModels = (search) => window.ntModels?.match(search) || [];
  const takesArgs = (command) => command.usage.includes(" ");

  // ---- Completion menu ------------------------------------------------------------------
  const menu = { items: [], index: 0 };
  const composer = () => byId("composer");
  const candidates = (draft) => {
    if (!draft.startsWith("/") || draft.startsWith("//")) return [];
    const model = draft.match(/^\/model\s+(.*)$/i);
    if (model) {
      return matchModels(model[1]).map((m) => ({
        fill: `/model ${m.id}`,
        label: m.id,
        hint: modelHint(m),
        submit: false,
      }));
    }
    if (/\s/.test(draft)) return [];
    const prefix = draft.slice(1).toLowerCase();
    return commands()
      .filter((c) => c.name.startsWith(prefix))
      .map((c) => ({
        fill: takesArgs(c) ? `/${c.name} ` : `/${c.name}`,
        label: c.usage,
        hint: c.summary,
        submit: !takesArgs(c),
      }));
  };
  const renderMenu = () => {
    const list = byId("command-menu");
    if (!list) return;
    list.replaceChildren(
      ...menu.items.slice(0, MAX_ITEMS).map((item, n) => {
        const li = document.createElement("li");
        li.role = "option";
        li.id = `command-option-${n}`;
        li.className = "nt-command-option";
        li.setAttribute("aria-selected", n === menu.index ? "true" : "false");
        const usage = document.createElement("span");
        usage.className = "nt-command-usage";
        usage.textContent = item.label; // text only: ids and titles never become markup
        const hint = document.createElement("span");
        hint.className = "nt-dim";
        hint.textContent = item.hint;
        li.append(usage, " ", hint);
        li.addEventListener("mousedown", (event) => {
          event.preventDefault(); // keep the focus in the composer
          menu.index = n;
          choose();
        });
        return li;
      }),
    );
    list.hidden = menu.items.length === 0;
    composer()?.setAttribute("aria-expanded", list.hidden ? "false" : "true");
  };
  const updateMenu = () => {
    const box = composer();
    menu.items = box ? candidates(box.value) : [];
    menu.index = 0;
    renderMenu();
  };
  const closeMenu = () => {
    menu.items = [];
    renderMenu();
  };
  // Tab fills the choice in; Enter also runs a command that takes no arguments.
  const choose = (run = true) => {
    const box = composer();
    const item = menu.items[menu.index];
    if (!box || !item) return;
    box.value = item.fill;
    box.focus();
    box.setSelectionRange(item.fill.length, item.fill.length);
    closeMenu();
    if (item.submit && run) box.form?.requestSubmit();
    else if (item.fill.endsWith(" ")) updateMenu(); // "/model " goes on to the model ids
  };
  document.addEventListener("input", (event) => {
    if (event.target === composer()) updateMenu();
  });
  document.addEventListener("submit", (event) => {
    if (event.target instanceof HTMLFormElement && event.target.contains(composer())) closeMenu();
  });
  // Capture phase: before terminal.js's Enter (send) and Escape (stop).
  document.addEventListener(
    "keydown",
    (event) => {
      if (event.target !== composer() || menu.items.length === 0 || event.isComposing) return;
      const shown = Math.min(menu.items.length, MAX_ITEMS);
      const handled = {
        ArrowDown: () => (menu.index = (menu.index + 1) % shown),
        ArrowUp: () => (menu.index = (menu.index + shown - 1) % shown),
        Tab: () => choose(false),
        Enter: event.shiftKey ? null : choose,
        Escape: closeMenu,
      }[event.key];
      if (!handled) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      handled();
      if (menu.items.length) renderMenu();
    },
    true,
  );

  // ---- Keys outside text fields, and Up in an empty composer -----------------------------
  const clickLast = (selector) => {
    const shown = [...document.querySelectorAll(selector)].filter((el) => el.offsetParent !== null);
    const order = (el) => Number(getComputedStyle(el.closest(".nt-msg") || el).order || 0);
    shown.sort((a, b) => order(a) - order(b));
    const last = shown[shown.length - 1];
    if (last && !last.disabled) last.click();
    return !!last;
  };
  const moveConversation = (step) => {
    const rows = [...document.querySelectorAll(".nt-conv")];
    const at = rows.findIndex((row) => row.dataset.active === "true");
    const next = rows[at === -1 ? (step > 0 ? 0 : rows.length - 1) : at + step];
    next?.querySelector(".nt-conv-title")?.click();
  };
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    const target = event.target;
    if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      moveConversation(event.key === "ArrowUp" ? -1 : 1);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target === composer()) {
      if (event.key === "ArrowUp" && target.value === "" && clickLast("#transcript .edit-message")) {
        event.preventDefault();
      }
      return;
    }
    if (isField(target)) return;
    if (event.key === "?") {
      event.preventDefault();
      byId("keys-toggle")?.click();
    } else if (event.key === "/" || event.key === "i") {
      event.preventDefault();
      composer()?.focus();
    }
  });

  // ---- The key map: Escape closes it (before Escape stops a reply); Tab stays inside -------
  document.addEventListener(
    "keydown",
    (event) => {
      if ((event.key !== "Escape" && event.key !== "Tab") || !byId("keys-overlay")) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      if (event.key === "Escape") byId("keys-close")?.click();
      else byId("keys-close")?.focus(); // its one control
    },
    true,
  );

  // ---- The palette ------------------------------------------------------------------------
  const palette = { items: [], index: 0, back: null };
  const paletteItems = (query) => {
    const q = query.trim().toLowerCase();
    const has = (text) => !q || text.toLowerCase().includes(q);
    const items = [];
    for (const c of commands()) {
      if (has(c.usage) || has(c.summary)) items.push({ kind: "command", label: c.usage, hint: c.summary, command: c });
    }
    for (const row of document.querySelectorAll(".nt-conv")) {
      const title = row.querySelector(".nt-conv-title");
      const text = title?.textContent || "";
      if (title && has(text)) items.push({ kind: "conversation", label: text, hint: "conversation", open: title });
    }
    for (const m of q ? matchModels(q) : []) {
      items.push({ kind: "model", label: m.id, hint: `model · ${modelHint(m)}`, model: m.id });
    }
    return items;
  };
  const renderPalette = () => {
    const list = byId("palette-list");
    if (!list) return;
    list.replaceChildren(
      ...palette.items.slice(0, 30).map((item, n) => {
        const li = document.createElement("li");
        li.role = "option";
        li.id = `palette-option-${n}`;
        li.className = "nt-command-option";
        li.dataset.kind = item.kind;
        li.setAttribute("aria-selected", n === palette.index ? "true" : "false");
        const label = document.createElement("span");
        label.textContent = item.label;
        const hint = document.createElement("span");
        hint.className = "nt-dim";
        hint.textContent = ` ${item.hint}`;
        li.append(label, hint);
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          palette.index = n;
          runPalette();
        });
        return li;
      }),
    );
    byId("palette-input")?.setAttribute("aria-activedescendant", palette.items.length ? `palette-option-${palette.index}` : "");
  };
  const openPalette = () => {
    const dialog = byId("palette");
    const input = byId("palette-input");
    if (!dialog || !input) return;
    palette.back = document.activeElement;
    dialog.hidden = false;
    input.value = "";
    palette.items = paletteItems("");
    palette.index = 0;
    renderPalette();
    input.focus();
  };
  const closePalette = (restore = true) => {
    const dialog = byId("palette");
    if (!dialog || dialog.hidden) return;
    dialog.hidden = true;
    if (restore && palette.back instanceof HTMLElement) palette.back.focus();
  };
  const runPalette = () => {
    const item = palette.items[palette.index];
    if (!item) return;
    closePalette(false);
    const box = composer();
    if (item.kind === "conversation") {
      item.open.click();
      box?.focus();
    } else if (box) {
      box.value = item.kind === "model" ? `/model ${item.model}` : takesArgs(item.command) ? `/${item.command.name} ` : `/${item.command.name}`;
      box.focus();
      if (item.kind === "model" || !takesArgs(item.command)) box.form?.requestSubmit();
      else updateMenu();
    }
  };
  document.addEventListener("input", (event) => {
    if (event.target !== byId("palette-input")) return;
    palette.items = paletteItems(event.target.value);
    palette.index = 0;
    renderPalette();
  });
  document.addEventListener(
    "keydown",
    (event) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        event.stopImmediatePropagation();
        if (byId("palette")?.hidden === false) closePalette();
        else openPalette();
        return;
      }
      const dialog = byId("palette");
      if (!dialog || dialog.hidden || !dialog.contains(event.target)) return;
      const shown = Math.min(palette.items.length, 30);
      const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
      if (step && shown) palette.index = (palette.index + step + shown) % shown;
      else if (event.key === "Enter") runPalette();
      else if (event.key === "Escape") closePalette();
      else if (event.key !== "Tab") return; // the input is the dialog's one stop: focus stays
      event.preventDefault();
      event.stopImmediatePropagation();
      if (step) renderPalette();
    },
    true,
  );
  // Focus never leaves the open palette: a click outside closes it.
  document.addEventListener("focusin", (event) => {
    const dialog = byId("palette");
    if (dialog && !dialog.hidden && !dialog.contains(event.target)) closePalette(false);
  });

  window.ntKeys = { openPalette, closePalette, updateMenu };
})();
