// Паспортний помічник — web chat page. No build step, no dependencies.
// Talks to /api/* (web/server.py → Rasa channel connectors/webchat.py). The session is an HttpOnly cookie
// the server issues; this script never sees it. Every text is put into the page as text nodes, never as HTML.
"use strict";

(function () {
  const MAX_TEXT = 2000;
  const POLL_MS = 60000;  // fallback when server-sent events are unavailable (e.g. another replica)

  const UI = {
    uk: {
      title: "Паспортний помічник",
      subtitle: "Документи Державної міграційної служби України",
      skip: "Перейти до поля введення",
      toolsLabel: "Мова та меню",
      langLabel: "Мова інтерфейсу",
      menu: "Меню",
      heading: "Чат з Паспортним помічником",
      logLabel: "Розмова",
      typing: "Помічник друкує…",
      inputLabel: "Ваше питання",
      placeholder: "Наприклад: що потрібно для ID-картки в 14 років",
      send: "Надіслати",
      hint: "Enter — надіслати, Shift+Enter — новий рядок.",
      disclaimer1: "Довідкова інформація з відкритих джерел із датами. Остаточні вимоги — на",
      disclaimer2: "і в підрозділах ДМС.",
      you: "Ви",
      bot: "Помічник",
      choices: "Варіанти відповіді",
      sources: (n) => `Джерела (${n})`,
      tooLong: (n) => `Повідомлення задовге: ${n} із ${MAX_TEXT} символів. Скоротіть його або розбийте на кілька.`,
      counter: (n) => `${n} / ${MAX_TEXT}`,
      empty: "Напишіть, будь ласка, своє питання.",
      offline: "Немає зв'язку з помічником. Перевірте інтернет і спробуйте ще раз — ваш текст збережено в полі.",
      newTab: "(відкривається в новій вкладці)",
      attachment: "Файл",
    },
    en: {
      title: "Passport assistant",
      subtitle: "Documents of the State Migration Service of Ukraine",
      skip: "Skip to the message field",
      toolsLabel: "Language and menu",
      langLabel: "Interface language",
      menu: "Menu",
      heading: "Chat with the Passport assistant",
      logLabel: "Conversation",
      typing: "The assistant is typing…",
      inputLabel: "Your question",
      placeholder: "For example: what do I need for a temporary residence permit",
      send: "Send",
      hint: "Enter sends, Shift+Enter starts a new line.",
      disclaimer1: "Reference information from public sources, with dates. The final requirements are on",
      disclaimer2: "and at the Migration Service offices.",
      you: "You",
      bot: "Assistant",
      choices: "Answer options",
      sources: (n) => `Sources (${n})`,
      tooLong: (n) => `The message is too long: ${n} of ${MAX_TEXT} characters. Please shorten it or split it up.`,
      counter: (n) => `${n} / ${MAX_TEXT}`,
      empty: "Please type your question.",
      offline: "No connection to the assistant. Check your internet and try again — your text is kept in the field.",
      newTab: "(opens in a new tab)",
      attachment: "File",
    },
  };

  const $ = (id) => document.getElementById(id);
  const log = $("log"), form = $("form"), input = $("input"), send = $("send");
  const typing = $("typing"), notice = $("notice"), counter = $("counter"), chat = $("main");

  const state = {
    lang: localStorage.getItem("dmsbot.lang") === "en" ? "en" : "uk",
    cursor: -1,        // index of the last tracker event shown
    ids: new Set(),    // tracker event indexes already on the page
    pending: [],       // messages shown live, not yet matched with the history
    busy: false,
    seq: 0,
    events: null,
  };
  const t = (key, ...args) => {
    const v = UI[state.lang][key];
    return typeof v === "function" ? v(...args) : v;
  };

  // ---- rendering --------------------------------------------------------------------------------------------

  const LINK_RE = /\[([^\]\n]+)\]\((https?:\/\/[^\s()]+)\)|\*\*([^\n]+?)\*\*|`([^`\n]+)`|(?<![\w/])_([^_\n]+?)_(?!\w)|(https?:\/\/[^\s<>()"]+[^\s<>()".,;:!?»)])|\[(\d{1,2})\]/g;

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    const hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = " " + t("newTab");
    a.append(hint);
    return a;
  }

  // Inline Markdown subset (as in connectors/telegram_format.py) plus bare URLs and «[1]» source references.
  // «1 147 грн», «90 $» and «до 20 днів» stay on one line.
  const keepTogether = (s) => s.replace(/(\d) (?=\d{3}(?!\d))/g, "$1\u00a0").replace(/(\d) (?=(грн|\$|UAH|USD)(?![\wа-яіїєґ]))/gi, "$1\u00a0");

  function inline(parent, text, ctx) {
    text = keepTogether(text);
    let pos = 0;
    for (const m of text.matchAll(LINK_RE)) {
      if (m.index > pos) parent.append(text.slice(pos, m.index));
      if (m[2]) parent.append(link(m[2], m[1]));
      else if (m[3] !== undefined) { const b = document.createElement("strong"); b.textContent = m[3]; parent.append(b); }
      else if (m[4] !== undefined) { const c = document.createElement("code"); c.textContent = m[4]; parent.append(c); }
      else if (m[5] !== undefined) { const i = document.createElement("em"); i.textContent = m[5]; parent.append(i); }
      else if (m[6]) parent.append(link(m[6], m[6]));
      else if (m[7] && ctx && ctx.sources.has(m[7])) {
        const a = document.createElement("a");
        a.className = "ref";
        a.href = `#${ctx.prefix}-${m[7]}`;
        a.textContent = `[${m[7]}]`;
        a.addEventListener("click", () => { const d = ctx.details; if (d) d.open = true; });
        parent.append(a);
      } else parent.append(m[0]);
      pos = m.index + m[0].length;
    }
    if (pos < text.length) parent.append(text.slice(pos));
  }

  const SOURCE_LINE = /^\[(\d{1,2})\]\s+(https?:\/\/\S+)(.*)$/;

  // A paragraph whose lines after the first are all «[n] https://… — date» is the sources list.
  function sourcesBlock(lines) {
    if (lines.length < 2) return null;
    const rest = lines.slice(1);
    if (!rest.every((l) => SOURCE_LINE.test(l.trim()))) return null;
    return rest.map((l) => l.trim().match(SOURCE_LINE));
  }

  function renderText(container, text, prefix) {
    const paragraphs = text.split(/\n{2,}/);
    const ctx = { prefix, sources: new Set(), details: null };
    let sources = null;
    for (const p of paragraphs) {
      const entries = sourcesBlock(p.split("\n"));
      if (entries) { sources = { title: p.split("\n")[0], entries }; entries.forEach((e) => ctx.sources.add(e[1])); }
    }
    if (sources) {
      const d = document.createElement("details");
      d.className = "sources";
      ctx.details = d;
    }
    for (const p of paragraphs) {
      const lines = p.split("\n");
      if (sourcesBlock(lines)) {
        const d = ctx.details;
        const summary = document.createElement("summary");
        summary.textContent = t("sources", sources.entries.length);
        summary.title = lines[0];
        const ol = document.createElement("ol");
        ol.setAttribute("aria-label", lines[0]);
        for (const [, num, url, tail] of sources.entries) {
          const li = document.createElement("li");
          li.id = `${prefix}-${num}`;
          li.value = Number(num);
          li.append(link(url, url));
          if (tail) li.append(tail);
          ol.append(li);
        }
        d.append(summary, ol);
        container.append(d);
        continue;
      }
      let i = 0;
      const listKind = (l) => (/^\d+\.\s/.test(l) ? "ol" : /^[•\-–]\s/.test(l) ? "ul" : null);
      // A heading line followed by list items: «Що підготувати…:\n1. …\n2. …».
      if (lines.length > 1 && !listKind(lines[0]) && lines.slice(1).every(listKind)) {
        const h = document.createElement("p");
        h.className = "section-title";
        inline(h, lines[0], ctx);
        container.append(h);
        i = 1;
      }
      let para = null, list = null;
      for (; i < lines.length; i++) {
        const line = lines[i], kind = listKind(line);
        if (kind) {
          if (!list || list.tagName.toLowerCase() !== kind) { list = document.createElement(kind); container.append(list); }
          para = null;
          const li = document.createElement("li");
          if (kind === "ol") li.value = parseInt(line, 10);
          inline(li, line.replace(/^(\d+\.|[•\-–])\s+/, ""), ctx);
          list.append(li);
        } else {
          list = null;
          if (!para) { para = document.createElement("p"); container.append(para); }
          else para.append(document.createElement("br"));
          inline(para, line, ctx);
        }
      }
    }
  }

  function signature(m) {
    return [m.role, m.text || "", (m.buttons || []).map((b) => b.payload).join("|"), m.image || ""].join("\u0000");
  }

  function renderMessage(m) {
    const li = document.createElement("li");
    li.className = `msg ${m.role}` + (m.pushed ? " notice" : "");
    const n = ++state.seq;
    li.dataset.seq = n;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = m.role === "user" ? t("you") : t("bot");
    // The visible «Ви/Помічник» label doubles as the screen reader's speaker name.
    li.append(who);
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (m.role === "bot") {
      li.lang = m.lang || state.lang;
      if (m.text) renderText(bubble, m.text, `m${n}-src`);
      if (m.image) { const img = document.createElement("img"); img.src = m.image; img.alt = ""; bubble.append(img); }
      if (m.attachment) {
        const url = typeof m.attachment === "string" ? m.attachment : (m.attachment.payload && m.attachment.payload.src) || "";
        if (/^https?:\/\//.test(url)) { const p = document.createElement("p"); p.append(link(url, t("attachment"))); bubble.append(p); }
      }
    } else {
      bubble.textContent = m.text;
    }
    if (bubble.childNodes.length) li.append(bubble);
    if (m.buttons && m.buttons.length) {
      const group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", t("choices"));
      for (const b of m.buttons) {
        const btn = document.createElement("button");
        btn.type = "button";
        btn.className = "choice";
        btn.textContent = b.title;
        btn.addEventListener("click", () => {
          btn.classList.add("chosen");
          press(b);
        });
        group.append(btn);
      }
      li.append(group);
    }
    return li;
  }

  // Only the buttons after the person's last message can be pressed; older ones are kept, disabled, for context.
  function refreshButtons() {
    const items = [...log.children];
    let lastUser = -1;
    items.forEach((li, i) => { if (li.classList.contains("user")) lastUser = i; });
    items.forEach((li, i) => {
      li.querySelectorAll("button.choice").forEach((b) => { b.disabled = i < lastUser || state.busy; });
    });
  }

  function append(m, { live } = { live: true }) {
    if (m.id !== undefined && m.id !== null) {
      if (state.ids.has(m.id)) return null;
      state.ids.add(m.id);
      // Already on the page from the live answer or a push: only remember its id.
      const sig = signature(m);
      const k = state.pending.findIndex((p) => p.sig === sig);
      if (k >= 0) { state.pending.splice(k, 1); return null; }
    }
    const li = renderMessage(m);
    log.append(li);
    if (live && (m.id === undefined || m.id === null)) state.pending.push({ sig: signature(m) });
    return li;
  }

  function scrollDown() {
    chat.scrollTop = chat.scrollHeight;
  }

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  function setBusy(busy) {
    state.busy = busy;
    typing.hidden = !busy;
    log.setAttribute("aria-busy", busy ? "true" : "false");
    send.disabled = busy;
    refreshButtons();
    if (busy) scrollDown();
  }

  // ---- language ---------------------------------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    document.title = state.lang === "en" ? "Passport assistant — Migration Service documents" : "Паспортний помічник — документи ДМС";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-aria]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.i18nAria)); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    document.querySelectorAll(".lang").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang)));
    updateCounter();
  }

  // ---- talking to the server ----------------------------------------------------------------------------------

  async function api(path, body, retried) {
    const opts = body === undefined
      ? { method: "GET", credentials: "same-origin", headers: { Accept: "application/json" } }
      : { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) };
    let resp;
    try {
      resp = await fetch(`/api/${path}`, opts);
    } catch (e) {
      return { ok: false, status: 0, data: { message: t("offline") } };
    }
    let data = {};
    try { data = await resp.json(); } catch (e) { /* keep {} */ }
    if (resp.status === 401 && path !== "session" && !retried) {
      // The cookie expired or was deleted: get a new one once (cookies blocked: the 401's text is shown).
      await api("session", {});
      return api(path, body, true);
    }
    return { ok: resp.ok, status: resp.status, data };
  }

  function errorText(res) {
    const d = res.data || {};
    return (d.texts && d.texts[state.lang]) || d.message || t("offline");
  }

  async function exchange(body, shown) {
    if (state.busy) return false;
    showNotice("");
    if (shown) { append({ role: "user", text: shown }); refreshButtons(); }
    setBusy(true);
    const res = await api(body.language ? "language" : "message", { ...body, ui: state.lang });
    setBusy(false);
    if (!res.ok) {
      if (shown) { const last = log.lastElementChild; if (last) { last.remove(); state.pending.pop(); } }
      showNotice(errorText(res));
      refreshButtons();
      return false;
    }
    // The bot's own «English / Українська» button switches the page too.
    if (body.payload && body.payload.startsWith("/set_language") && UI[res.data.language]) setLanguage(res.data.language);
    for (const m of res.data.messages || []) append(m);
    refreshButtons();
    scrollDown();
    return true;
  }

  function press(button) {
    exchange({ payload: button.payload, title: button.title }, button.title);
  }

  async function loadHistory() {
    const res = await api(`history?after=${state.cursor}`);
    if (!res.ok) return false;
    if (res.data.cursor !== undefined) state.cursor = Math.max(state.cursor, res.data.cursor);
    if (res.data.language) state.historyLanguage = res.data.language;
    const before = log.children.length;
    for (const m of res.data.messages || []) append(m, { live: false });
    if (log.children.length !== before) { refreshButtons(); scrollDown(); }
    return true;
  }

  function listen() {
    if (!window.EventSource) return;
    let failed = false;
    const es = new EventSource("/api/events");
    state.events = es;
    es.addEventListener("message", (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      m.pushed = true;
      append(m);
      refreshButtons();
      scrollDown();
    });
    es.addEventListener("open", () => { if (failed) { failed = false; loadHistory(); } });
    es.addEventListener("error", () => { failed = true; });
  }

  // ---- composer -----------------------------------------------------------------------------------------------

  function updateCounter() {
    const n = input.value.length;
    counter.textContent = n > MAX_TEXT * 0.9 ? t("counter", n) : "";
    counter.classList.toggle("over", n > MAX_TEXT);
  }

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 4, window.innerHeight * 0.4) + "px";
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) { showNotice(t("empty")); input.focus(); return; }
    if (text.length > MAX_TEXT) { showNotice(t("tooLong", text.length)); input.focus(); return; }
    const draft = input.value;
    input.value = "";
    autosize(); updateCounter();
    const ok = await exchange({ text }, text);
    if (!ok && !input.value) { input.value = draft; autosize(); updateCounter(); }
    input.focus();
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", () => { autosize(); updateCounter(); });

  $("menu").addEventListener("click", () => exchange({ payload: "/help", title: t("menu") }, t("menu")));
  function setLanguage(lang) {
    state.lang = lang;
    localStorage.setItem("dmsbot.lang", lang);
    applyLanguage();
  }
  document.querySelectorAll(".lang").forEach((b) => b.addEventListener("click", async () => {
    const lang = b.dataset.lang;
    if (lang === state.lang || state.busy) return;
    setLanguage(lang);
    await exchange({ language: lang });
  }));
  document.addEventListener("visibilitychange", () => { if (!document.hidden) loadHistory(); });

  async function start() {
    applyLanguage();
    const session = await api("session", {});
    if (!session.ok) { showNotice(errorText(session)); return; }
    const hadChoice = localStorage.getItem("dmsbot.lang");
    await loadHistory();
    if (!hadChoice && state.lang !== state.historyLanguage && UI[state.historyLanguage]) setLanguage(state.historyLanguage);
    if (!log.children.length) await exchange({ payload: "/greet" });
    listen();
    setInterval(() => { if (!document.hidden && !state.busy) loadHistory(); }, POLL_MS);
  }

  start();
})();
