// Passerelle playground: a Telegram-like web chat over the emulator's /_emu/ control surface.
// Everything the bot or a person wrote is put on the page as DOM text nodes, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const LANGUAGE_NAMES = { en: "English", fr: "Français", es: "Español" };
const AVATAR_COLOURS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];
const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const SAFE_SCHEMES = /^(https?:|mailto:|tel:|tg:)/i;

const DEEP_LINK_HOSTS = /^(www\.)?(t|telegram)\.me$/i;
const START_PARAMETER = /^[A-Za-z0-9_-]{1,64}$/;
const STARTING_PATIENCE_MS = 60000; // how long the page asks again while the bot starts

const state = {
  personas: [],
  current: null,
  botUsername: "",
  zones: [],
  messages: new Map(), // message_id -> element, for the current chat
  poll: null,          // AbortController of the current long poll
  pollToken: 0,
  commands: [],
  commandIndex: 0,
  commandsFor: null,
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const giveUp = Date.now() + STARTING_PATIENCE_MS;
  let response;
  let data = null;
  for (;;) {
    response = await fetch(path, options);
    try { data = await response.json(); } catch (_) { data = null; }
    // 503 with retry: the bot is still starting; ask again as the server says.
    if (response.status !== 503 || !(data && data.retry) || Date.now() > giveUp) break;
    toast("The bot is starting… one moment.");
    await sleep(1000 * (Number(response.headers.get("Retry-After")) || 1));
  }
  if (!response.ok) {
    const message = (data && data.error) || `${response.status} ${response.statusText}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return data;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------- time ----------

function zoneOf(persona) {
  return (persona && persona.zone) || BROWSER_ZONE;
}

function cityOf(zone) {
  return zone.split("/").pop().replace(/_/g, " ");
}

function clockIn(zone, when) {
  try {
    return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: zone }).format(when);
  } catch (_) {
    return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" }).format(when);
  }
}

function localTime(persona) {
  const zone = zoneOf(persona);
  return `${cityOf(zone)} ${clockIn(zone, new Date())}`;
}

function defaultZone() {
  return state.zones.includes(BROWSER_ZONE) ? BROWSER_ZONE : "UTC";
}

// ---------- toast and alert ----------

let toastTimer = null;
function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 3200);
}

function alertBox(text) {
  $("alert-text").textContent = text;
  const dialog = $("alert");
  if (!dialog.open) dialog.showModal();
}

// ---------- personas ----------

function avatar(persona, extraClass) {
  const colour = AVATAR_COLOURS[persona.id % AVATAR_COLOURS.length];
  const node = el("div", { class: `avatar ${extraClass || ""}`, "aria-hidden": "true", text: (persona.first_name || "?").slice(0, 1).toUpperCase() });
  node.style.background = colour;
  return node;
}

function personaById(id) {
  return state.personas.find((p) => p.id === id) || null;
}

function unreadOf(persona) {
  return persona.id === state.current ? 0 : persona.unread;
}

function renderPersonas() {
  const list = $("personas");
  list.replaceChildren();
  $("empty-personas").hidden = state.personas.length > 0;
  for (const persona of state.personas) {
    const unread = unreadOf(persona);
    const badges = el("span", {},
      el("span", { class: "badge", text: (persona.language || "?").toUpperCase() }), " ",
      persona.staff ? el("span", { class: "badge staff", text: "Staff" }) : null);
    const label = [persona.first_name, persona.staff ? "staff" : null, LANGUAGE_NAMES[persona.language] || persona.language,
      `local time ${localTime(persona)}`, unread ? `${unread} unread` : null].filter(Boolean).join(", ");
    const button = el("button", {
      type: "button", class: "persona", "data-id": persona.id, "aria-label": label,
      "aria-current": persona.id === state.current ? "true" : "false",
      onclick: () => select(persona.id, true),
    },
    avatar(persona),
    el("span", { class: "p-main" },
      el("span", { class: "p-top" },
        el("span", { class: "p-name", dir: "auto", text: persona.first_name }),
        el("span", { class: "p-time", text: localTime(persona) })),
      el("span", { class: "p-sub" }, badges, " ", persona.label || (persona.username ? `@${persona.username}` : ""))),
    unread ? el("span", { class: "unread", text: String(unread) }) : null);
    list.append(el("li", {}, button));
  }
  const switcher = $("switcher");
  switcher.replaceChildren(el("option", { value: "", text: "Personas…" }));
  for (const persona of state.personas) {
    const unread = unreadOf(persona);
    switcher.append(el("option", { value: persona.id, selected: persona.id === state.current,
      text: `${persona.first_name}${persona.staff ? " (staff)" : ""}${unread ? ` • ${unread}` : ""}` }));
  }
  renderHeader();
}

function renderHeader() {
  const persona = personaById(state.current);
  const enabled = Boolean(persona);
  const mustStart = Boolean(persona && !persona.started);
  $("text").disabled = !enabled;
  $("send").disabled = !enabled;
  $("menu-btn").disabled = !enabled;
  $("composer").hidden = mustStart;
  $("start-bar").hidden = !mustStart;
  $("empty-chat").hidden = !mustStart || state.messages.size > 0;
  $("new-tab").hidden = !persona;
  if (persona) $("new-tab").href = `#persona-${persona.id}`;
  if (!persona) {
    $("chat-name").textContent = "Passerelle playground";
    $("chat-meta").textContent = "Pick or create a persona to start chatting with the bot";
    $("chat-avatar").replaceWith(el("div", { class: "avatar", id: "chat-avatar", "aria-hidden": "true", text: "P" }));
    return;
  }
  $("chat-name").textContent = persona.first_name;
  const botZone = persona.bot_zone && persona.bot_zone !== zoneOf(persona) ? `the bot uses ${cityOf(persona.bot_zone)} time` : null;
  const parts = [localTime(persona), LANGUAGE_NAMES[persona.language] || persona.language,
    persona.staff ? "staff (admin)" : null, persona.username ? `@${persona.username}` : null, botZone];
  $("chat-meta").textContent = parts.filter(Boolean).join(" · ");
  const node = avatar(persona);
  node.id = "chat-avatar";
  $("chat-avatar").replaceWith(node);
  $("text").placeholder = `Message as ${persona.first_name}`;
}

async function loadPersonas() {
  try {
    state.personas = await api("GET", "/_play/personas");
  } catch (_) {
    return;
  }
  if (state.current !== null && !personaById(state.current)) {
    state.current = null;
    stopPolling();
    clearMessages(true);
  }
  renderPersonas();
}

// What she has seen is kept by the playground (as Telegram keeps read marks), so a reload, a
// second tab or a restart with --db counts only the messages she really has not seen.
async function markRead() {
  const persona = personaById(state.current);
  if (!persona || document.visibilityState !== "visible" || !state.messages.size) return;
  const newest = Math.max(...state.messages.keys());
  if (newest <= persona.read) return;
  try {
    const updated = await api("POST", `/_play/personas/${persona.id}/read`, { message_id: newest });
    Object.assign(persona, updated);
  } catch (_) { /* counted again at the next read */ }
}

function select(id, focus) {
  const persona = personaById(id);
  if (!persona) return;
  $("app").classList.remove("show-list");
  $("app").classList.add("show-chat");
  history.replaceState(null, "", `#persona-${id}`);
  if (state.current !== id) {
    state.current = id;
    state.commandsFor = null;
    closeCommands();
    clearMessages(false);
    startPolling(id);
  }
  renderPersonas();
  if (focus) $("text").focus();
}

function showList() {
  $("app").classList.remove("show-chat");
  $("app").classList.add("show-list");
}

// ---------- rendering messages ----------

function safeUrl(url) {
  const value = String(url || "").trim();
  if (SAFE_SCHEMES.test(value)) return value;
  if (/^[\w.-]+\.[a-z]{2,}(\/|$)/i.test(value)) return `https://${value}`;
  return null;
}

// t.me/<this bot>?start=X (or tg://resolve?domain=<this bot>&start=X): {start} or null.
function deepLink(href) {
  let url;
  try { url = new URL(href); } catch (_) { return null; }
  let name;
  if (url.protocol === "tg:" && url.hostname === "resolve") name = url.searchParams.get("domain") || "";
  else if (/^https?:$/.test(url.protocol) && DEEP_LINK_HOSTS.test(url.hostname)) name = url.pathname.replace(/^\/+|\/+$/g, "");
  else return null;
  if (!state.botUsername || name.toLowerCase() !== state.botUsername.toLowerCase()) return null;
  const start = url.searchParams.get("start");
  return { start: start !== null && START_PARAMETER.test(start) ? start : null };
}

// As in Telegram: a link to this bot opens its chat, sending /start with the link's parameter.
function followLink(event, href) {
  const link = deepLink(href);
  if (!link) return;  // any other link opens in a new tab
  event.preventDefault();
  if (link.start) sendText(`/start ${link.start}`);
  else if (!personaById(state.current)?.started) sendText("/start");
  else toast(`You are already in the chat with @${state.botUsername}.`);
}

function linkNode(href, attrs, ...children) {
  return el("a", { ...attrs, href, target: "_blank", rel: "noopener noreferrer", onclick: (e) => followLink(e, href) }, ...children);
}

function entityNode(entity, text) {
  switch (entity.type) {
    case "bold": return el("strong");
    case "italic": return el("em");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": {
      const code = el("code", entity.language ? { "data-language": entity.language } : {});
      return el("pre", {}, code);
    }
    case "spoiler": {
      const node = el("span", { class: "spoiler", tabindex: "0", role: "button", "aria-label": "Spoiler, press to show" });
      const reveal = () => node.classList.add("shown");
      node.addEventListener("click", reveal);
      node.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") reveal(); });
      return node;
    }
    case "blockquote":
    case "expandable_blockquote": return el("blockquote");
    case "text_link": case "url": case "email": case "phone_number": {
      let href = null;
      if (entity.type === "text_link") href = safeUrl(entity.url);
      else if (entity.type === "url") href = safeUrl(text);
      else if (entity.type === "email") href = `mailto:${text}`;
      else href = `tel:${text.replace(/[^\d+]/g, "")}`;
      if (!href) return el("span");
      return linkNode(href, {});
    }
    case "bot_command": {
      const node = el("span", { class: "cmd", role: "link", tabindex: "0", title: "Send this command" });
      const command = text.split("@")[0];
      node.addEventListener("click", () => sendText(command));
      node.addEventListener("keydown", (e) => { if (e.key === "Enter") sendText(command); });
      return node;
    }
    case "mention": case "hashtag": case "cashtag": case "text_mention":
      return el("span", { class: "cmd" });
    default: return el("span");
  }
}

function renderEntities(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = [...(entities || [])]
    .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);

  function build(parent, start, end, list) {
    let pos = start;
    let i = 0;
    while (i < list.length) {
      const entity = list[i];
      if (entity.offset >= end) break;
      const from = Math.max(entity.offset, pos);
      const to = Math.min(entity.offset + entity.length, end);
      let j = i + 1;
      const inner = [];
      while (j < list.length && list[j].offset < to) { inner.push(list[j]); j += 1; }
      if (to <= from) { i = j; continue; }
      if (from > pos) parent.append(text.slice(pos, from));
      const node = entityNode(entity, text.slice(from, to));
      const target = node.tagName === "PRE" ? node.firstChild : node;
      build(target, from, to, inner);
      parent.append(node);
      pos = to;
      i = j;
    }
    if (pos < end) parent.append(text.slice(pos, end));
  }

  build(fragment, 0, text.length, sorted);
  return fragment;
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function keyboard(message) {
  const box = el("div", { class: "keyboard", role: "group", "aria-label": "Buttons" });
  for (const row of message.buttons) {
    const line = el("div", { class: "kb-row" });
    for (const button of row) {
      if (button.url) {
        const href = safeUrl(button.url);
        line.append(href
          ? linkNode(href, { class: "kb-btn", dir: "auto" }, button.text, el("span", { class: "kb-url", "aria-hidden": "true", text: "↗" }))
          : el("button", { type: "button", class: "kb-btn", disabled: true, text: button.text }));
      } else if (button.callback_data !== undefined) {
        line.append(el("button", {
          type: "button", class: "kb-btn", dir: "auto", "data-label": button.text,
          onclick: (event) => press(message, button, event.currentTarget),
        }, button.text));
      } else {
        line.append(el("button", { type: "button", class: "kb-btn", disabled: true, title: "Not supported in the playground", text: button.text }));
      }
    }
    box.append(line);
  }
  return box;
}

function renderMessage(message) {
  const persona = personaById(state.current);
  const side = message.from_bot ? "in" : "out";
  // dir=auto: each message is aligned by its own first letters, as in Telegram (Arabic right).
  const bubble = el("div", { class: "bubble", dir: "auto" });
  if (message.photo) {
    bubble.append(el("img", { class: "photo", src: `/_emu/files/${encodeURIComponent(message.photo)}`, alt: message.text || "Photo" }));
  }
  if (message.document) {
    const doc = message.document;
    const extension = (doc.file_name.split(".").pop() || "file").slice(0, 4);
    bubble.append(el("a", { class: "doc", href: `/_emu/files/${encodeURIComponent(doc.file_id)}`, download: doc.file_name, "aria-label": `Download ${doc.file_name}` },
      el("span", { class: "doc-icon", "aria-hidden": "true", text: extension }),
      el("span", {}, el("span", { class: "doc-name", text: doc.file_name }), el("br"),
        el("span", { class: "doc-size", text: `${formatSize(doc.size)} · download` }))));
  }
  if (message.text) bubble.append(renderEntities(message.text, message.entities));
  const when = new Date(message.date * 1000);
  bubble.append(el("span", { class: "meta", dir: "ltr" },
    message.edited ? el("span", { class: "edited", text: "edited" }) : null,
    clockIn(zoneOf(persona), when)));
  const wrapper = el("div", { class: `msg ${side}`, "data-id": message.message_id, "data-version": message.version }, bubble);
  if (message.inline && message.buttons.length) wrapper.append(keyboard(message));
  return wrapper;
}

function clearMessages(showWelcome) {
  state.messages.clear();
  const box = $("messages");
  const welcome = $("welcome");
  box.replaceChildren(welcome, $("empty-chat"));
  welcome.hidden = !showWelcome;
  $("reply-keyboard").hidden = true;
}

function nearBottom(box) {
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

function applyMessages(messages, initial) {
  const box = $("messages");
  const stick = initial || nearBottom(box);
  let newBot = false;
  for (const message of messages) {
    const existing = state.messages.get(message.message_id);
    if (message.deleted) {
      if (existing) existing.remove();
      state.messages.delete(message.message_id);
      continue;
    }
    const node = renderMessage(message);
    if (existing) {
      existing.replaceWith(node);
    } else {
      const later = [...state.messages.entries()].filter(([id]) => id > message.message_id).sort((a, b) => a[0] - b[0]);
      if (later.length) box.insertBefore(node, later[0][1]);
      else box.append(node);
      if (message.from_bot) newBot = true;
    }
    state.messages.set(message.message_id, node);
    if (!message.inline && message.from_bot) updateReplyKeyboard(message);
  }
  $("welcome").hidden = state.messages.size > 0 || state.current !== null;
  if (state.messages.size) $("empty-chat").hidden = true;
  if (stick) box.scrollTop = box.scrollHeight;
  return newBot;
}

function updateReplyKeyboard(message) {
  const box = $("reply-keyboard");
  const markupRows = message.buttons || [];
  box.replaceChildren();
  if (!markupRows.length) { box.hidden = true; return; }
  for (const row of markupRows) {
    const line = el("div", { class: "kb-row" });
    for (const button of row) {
      line.append(el("button", { type: "button", class: "kb-btn", dir: "auto", text: button.text, onclick: () => sendText(button.text) }));
    }
    box.append(line);
  }
  box.hidden = false;
}

// ---------- long polling ----------

function stopPolling() {
  state.pollToken += 1;
  if (state.poll) state.poll.abort();
  state.poll = null;
}

async function startPolling(id) {
  stopPolling();
  const token = state.pollToken;
  let since = 0;
  while (token === state.pollToken) {
    const controller = new AbortController();
    state.poll = controller;
    try {
      const wait = since === 0 ? 0 : 25;
      const data = await fetch(`/_emu/users/${id}/chat?since=${since}&wait=${wait}`, { signal: controller.signal })
        .then((r) => {
          if (r.status === 404) throw Object.assign(new Error("gone"), { gone: true });
          return r.json();
        });
      if (token !== state.pollToken) return;
      const newBot = applyMessages(data.messages, since === 0);
      since = data.version;
      if (newBot || data.messages.length) { await markRead(); loadPersonas(); }
    } catch (error) {
      if (token !== state.pollToken) return;
      if (error.gone) { loadPersonas(); return; }
      await sleep(1000);
    }
  }
}

// ---------- sending and pressing ----------

async function sendText(text) {
  const id = state.current;
  const value = (text || "").trim();
  if (!id || !value) return;
  try {
    await api("POST", `/_emu/users/${id}/messages`, { text: value });
    const persona = personaById(id);
    if (persona && !persona.started) { persona.started = true; renderHeader(); }
  } catch (error) {
    toast(`Not sent: ${error.message}`);
  }
}

async function press(message, button, node) {
  const id = state.current;
  if (!id || node.classList.contains("pending")) return;
  node.classList.add("pending");
  node.setAttribute("aria-busy", "true");
  try {
    const result = await api("POST", `/_emu/users/${id}/press`, { data: button.callback_data, message_id: message.message_id });
    if (!result.answered) toast("The bot did not answer this button.");
    else if (result.text && result.show_alert) alertBox(result.text);
    else if (result.text) toast(result.text);
    if (result.url) window.open(result.url, "_blank", "noopener");
  } catch (error) {
    toast(`Button failed: ${error.message}`);
  } finally {
    node.classList.remove("pending");
    node.removeAttribute("aria-busy");
  }
}

// ---------- command menu ----------

async function loadCommands() {
  if (!state.current) return [];
  try {
    state.commands = await api("GET", `/_emu/users/${state.current}/commands`);
    state.commandsFor = state.current;
  } catch (_) {
    state.commands = [];
  }
  return state.commands;
}

function matchingCommands() {
  const value = $("text").value;
  const prefix = value.startsWith("/") ? value.slice(1).toLowerCase() : "";
  return state.commands.filter((c) => c.command.toLowerCase().startsWith(prefix));
}

function renderCommands() {
  const list = $("commands");
  const matching = matchingCommands();
  list.replaceChildren();
  if (!matching.length) { closeCommands(); return; }
  state.commandIndex = Math.min(state.commandIndex, matching.length - 1);
  matching.forEach((command, index) => {
    const selected = index === state.commandIndex;
    list.append(el("li", {
      role: "option", id: `cmd-${command.command}`, "aria-selected": selected ? "true" : "false",
      onmousedown: (e) => { e.preventDefault(); pickCommand(command, true); },
    }, el("span", { class: "c-name", text: `/${command.command}` }), el("span", { class: "c-desc", text: command.description })));
  });
  list.hidden = false;
  $("menu-btn").setAttribute("aria-expanded", "true");
  $("text").setAttribute("aria-activedescendant", `cmd-${matching[state.commandIndex].command}`);
  const active = list.children[state.commandIndex];
  if (active && active.scrollIntoView) active.scrollIntoView({ block: "nearest" });
}

function closeCommands() {
  $("commands").hidden = true;
  $("menu-btn").setAttribute("aria-expanded", "false");
  $("text").removeAttribute("aria-activedescendant");
}

async function openCommands() {
  state.commandIndex = 0;
  await loadCommands();
  // Sent (or erased) while the list was loading: it stays closed.
  if (/^\/\S*$/.test($("text").value)) renderCommands();
}

function pickCommand(command, send) {
  closeCommands();
  if (send) {
    $("text").value = "";
    autosize();
    sendText(`/${command.command}`);
  } else {
    $("text").value = `/${command.command} `;
    autosize();
  }
  $("text").focus();
}

function autosize() {
  const box = $("text");
  box.style.height = "auto";
  box.style.height = `${Math.min(box.scrollHeight, 160)}px`;
}

function onInput() {
  autosize();
  const value = $("text").value;
  if (/^\/\S*$/.test(value)) {
    if (state.commandsFor !== state.current) openCommands();
    else { state.commandIndex = 0; renderCommands(); loadCommands().then(() => { if (!$("commands").hidden || /^\/\S*$/.test($("text").value)) renderCommands(); }); }
  } else {
    closeCommands();
  }
}

function onKeyDown(event) {
  const open = !$("commands").hidden;
  const matching = open ? matchingCommands() : [];
  if (open && matching.length) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      state.commandIndex = (state.commandIndex + step + matching.length) % matching.length;
      renderCommands();
      return;
    }
    if (event.key === "Tab") { event.preventDefault(); pickCommand(matching[state.commandIndex], false); return; }
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); pickCommand(matching[state.commandIndex], true); return; }
    if (event.key === "Escape") { event.preventDefault(); closeCommands(); return; }
  }
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    submit();
  }
}

function submit() {
  const box = $("text");
  const value = box.value;
  if (!value.trim()) return;
  box.value = "";
  autosize();
  closeCommands();
  sendText(value);
}

// ---------- set-up ----------

async function busy(button, work) {
  button.disabled = true;
  try { return await work(); } finally { button.disabled = false; }
}

function bind() {
  $("composer").addEventListener("submit", (e) => { e.preventDefault(); submit(); $("text").focus(); });
  $("text").addEventListener("input", onInput);
  $("text").addEventListener("keydown", onKeyDown);
  $("text").addEventListener("blur", () => setTimeout(() => {
    if (document.activeElement !== $("text")) closeCommands();
  }, 150));
  $("menu-btn").addEventListener("click", () => {
    if (!$("commands").hidden) { closeCommands(); return; }
    $("text").value = "/";
    $("text").focus();
    openCommands();
  });
  $("back").addEventListener("click", showList);
  $("switcher").addEventListener("change", (e) => { if (e.target.value) select(Number(e.target.value), false); });
  $("presets").addEventListener("click", (e) => busy(e.currentTarget, async () => {
    try {
      const before = new Set(state.personas.map((p) => p.id));
      const presets = await api("POST", "/_play/presets", {});
      await loadPersonas();
      if (presets.length && state.current === null) select(presets[0].id, false);
      toast(presets.some((p) => !before.has(p.id))
        ? "Demo personas added: Nadia (staff), Chloé, Awa and Lucía."
        : "The demo personas are already here: Nadia (staff), Chloé, Awa and Lucía.");
    } catch (error) { toast(`Could not add the demo personas: ${error.message}`); }
  }));
  $("new-persona").addEventListener("submit", (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const button = form.querySelector("button[type=submit]");
    busy(button, async () => {
      try {
        const persona = await api("POST", "/_play/personas", {
          first_name: $("np-name").value, language: $("np-lang").value, staff: $("np-staff").checked,
          zone: $("np-zone").value,
        });
        form.reset();
        await loadPersonas();
        select(persona.id, true);
      } catch (error) { toast(`Could not create the persona: ${error.message}`); }
    });
  });
  $("start-btn").addEventListener("click", () => sendText("/start"));
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") markRead().then(renderPersonas); });
  $("reset").addEventListener("click", () => $("reset-dialog").showModal());
  $("reset-dialog").addEventListener("close", async () => {
    const choice = $("reset-dialog").returnValue;
    if (choice !== "empty" && choice !== "presets") return;
    stopPolling();
    state.current = null;
    clearMessages(true);
    const button = $("reset");
    await busy(button, async () => {
      button.textContent = "Resetting…";
      try {
        await api("POST", "/_play/reset", { presets: choice === "presets" });
        toast(choice === "presets" ? "Fresh database with the demo personas." : "Fresh, empty database.");
      } catch (error) { toast(`Reset failed: ${error.message}`); }
      button.textContent = "Reset everything…";
    });
    history.replaceState(null, "", "#");
    await loadPersonas();
    showList();
  });
}

async function main() {
  bind();
  try {
    const info = await api("GET", "/_play/info");
    state.botUsername = info.bot_username;
    state.zones = info.zones || [];
    $("bot-name").textContent = `@${info.bot_username}`;
    $("reminders").textContent = `Reminders: ${info.reminders}`;
  } catch (_) { /* the page still works without the header details */ }
  $("np-zones").replaceChildren(...state.zones.map((zone) => el("option", { value: zone })));
  $("np-zone").defaultValue = defaultZone();  // what the form's reset brings back
  await loadPersonas();
  const match = /^#persona-(\d+)$/.exec(location.hash);
  if (match && personaById(Number(match[1]))) select(Number(match[1]), false);
  else clearMessages(true);
  setInterval(loadPersonas, 4000);
}

main();
