// Kefu chat widget: one <script src=".../widget.js" data-kefu-server="" data-lang="zh-hans"
// data-customer-id="..." data-expires="..." data-signature="..." defer></script> on any page.
// Speaks the customer side of docs/chat-protocol.md over /ws/chat/. No framework, no build step,
// no inline scripts, styles or handlers, no innerHTML: it works under a strict CSP.
(() => {
  "use strict";

  if (window.KefuWidget) { return; } // embedded twice: keep the first one

  const script = document.currentScript ||
    document.querySelector("script[src*='widget.js'][data-kefu-server]") ||
    document.querySelector("script[src*='widget.js']");
  if (!script) { return; }
  const data = script.dataset;

  // ---------------------------------------------------------------- configuration
  const server = (() => {
    const raw = (data.kefuServer || "").trim();
    if (!raw) { return window.location.origin; }
    try { return new URL(raw, window.location.href).origin; } catch (e) { return window.location.origin; }
  })();
  const wsUrl = server.replace(/^http/, "ws") + "/ws/chat/";
  const cssUrl = new URL("widget.css", script.src || window.location.href).href;
  const lang = (() => {
    const raw = (data.lang || document.documentElement.lang || navigator.language || "en").toLowerCase();
    return raw.startsWith("zh") ? "zh-hans" : "en";
  })();
  const identity = data.customerId ? {
    customer_id: String(data.customerId),
    expires: Number.parseInt(data.expires || "0", 10) || 0,
    signature: data.signature || "",
  } : null;
  const storageKey = "kefu-widget:v1:" + server + ":" + (identity ? identity.customer_id : "anonymous");

  const MAX_TEXT = 2000;
  const MAX_FILE = 5 * 1024 * 1024;
  const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
  const MAX_CACHED_MESSAGES = 300;
  const PING_EVERY_MS = 25000;
  const PONG_TIMEOUT_MS = 10000;
  const TYPING_IDLE_MS = 3000;
  const REMOTE_TYPING_TIMEOUT_MS = 15000;

  // ---------------------------------------------------------------- strings
  const STRINGS = {
    en: {
      launcher: "Chat with support",
      launcherUnread: "Chat with support ({n} new)",
      title: "Customer support",
      close: "Close chat",
      messages: "Conversation",
      inputLabel: "Type your message",
      placeholder: "Type your message…",
      send: "Send",
      attach: "Attach an image",
      handoff: "Talk to a person",
      end: "End chat",
      newChat: "Start a new chat",
      you: "You",
      assistant: "Assistant",
      agent: "Agent",
      system: "System",
      sending: "Sending…",
      sent: "Sent",
      delivered: "✓ Delivered",
      read: "✓✓ Read",
      failed: "Not sent",
      retry: "Retry",
      discard: "Remove",
      uploading: "Uploading {name}…",
      imageAlt: "Image: {name}",
      openImage: "Open image in a new tab",
      stateConnecting: "Connecting…",
      stateOffline: "Reconnecting… your messages will be sent when the connection is back.",
      stateAssistant: "Automated assistant",
      stateQueued: "Waiting for an agent",
      stateAssigned: "Chatting with {agent}",
      stateAssignedNoName: "Chatting with an agent",
      stateEnded: "This chat has ended",
      queuePosition: "You are number {position} in the queue.",
      queueNext: "You are next in the queue.",
      queueEstimate: "Estimated wait: about {minutes} min.",
      queueEstimateShort: "Estimated wait: less than a minute.",
      queueNoAgent: "No agent is online right now; we'll answer as soon as possible.",
      typingAgent: "{name} is typing…",
      typingSomeone: "Support is typing…",
      endedBy: {
        customer: "You ended the chat.",
        agent: "The agent ended the chat.",
        system: "The chat was closed.",
      },
      surveyTitle: "How was your experience?",
      star: "{n} out of 5 stars",
      commentLabel: "Anything you'd like to add? (optional)",
      rate: "Send rating",
      rateNeedScore: "Please choose from 1 to 5 stars first.",
      rated: "Thank you for your feedback!",
      transcript: "Download transcript:",
      transcriptText: "Text",
      transcriptHtml: "HTML",
      fileType: "Only PNG, JPEG, GIF or WebP images can be sent.",
      fileSize: "This image is larger than 5 MB. Please choose a smaller one.",
      fileNotReady: "Please wait until the chat is connected, then try again.",
      uploadFailed: "The image could not be uploaded. Please try again.",
      textTooLong: "Messages can be at most {max} characters ({n} now).",
      errorPrefix: "Sorry — ",
      dismiss: "Dismiss",
      errors: {
        bad_signature: "we could not verify your account. Please reload the page.",
        signature_expired: "your session has expired. Please reload the page.",
        text_empty: "the message was empty.",
        text_too_long: "the message is too long.",
        frame_too_large: "the message is too large.",
        attachment_type: "only PNG, JPEG, GIF or WebP images can be sent.",
        attachment_too_large: "this image is larger than 5 MB.",
        attachment_dimensions: "this image is too large (at most 8,000 pixels a side).",
        conversation_not_found: "this chat could not be found any more. A new chat was started.",
        already_rated: "you have already rated this chat. Thank you!",
        chat_not_ended: "the chat has not ended yet.",
        invalid_rating: "please choose from 1 to 5 stars.",
        rate_limited: "you are sending messages too quickly. Please wait a moment, then retry.",
        generic: "something went wrong. Please try again.",
      },
    },
    "zh-hans": {
      launcher: "联系客服",
      launcherUnread: "联系客服（{n} 条新消息）",
      title: "在线客服",
      close: "关闭聊天窗口",
      messages: "对话",
      inputLabel: "输入消息",
      placeholder: "请输入消息…",
      send: "发送",
      attach: "发送图片",
      handoff: "转人工",
      end: "结束对话",
      newChat: "开始新的对话",
      you: "我",
      assistant: "智能助手",
      agent: "客服",
      system: "系统",
      sending: "发送中…",
      sent: "已发送",
      delivered: "✓ 已送达",
      read: "✓✓ 已读",
      failed: "发送失败",
      retry: "重试",
      discard: "删除",
      uploading: "正在上传 {name}…",
      imageAlt: "图片：{name}",
      openImage: "在新标签页中打开图片",
      stateConnecting: "正在连接…",
      stateOffline: "正在重新连接…连接恢复后将自动发送您的消息。",
      stateAssistant: "智能助手",
      stateQueued: "正在等待人工客服",
      stateAssigned: "{agent} 正在为您服务",
      stateAssignedNoName: "人工客服正在为您服务",
      stateEnded: "对话已结束",
      queuePosition: "您前面还有 {ahead} 位，当前排在第 {position} 位。",
      queueNext: "下一位就是您。",
      queueEstimate: "预计等待约 {minutes} 分钟。",
      queueEstimateShort: "预计等待不到 1 分钟。",
      queueNoAgent: "当前暂无客服在线，我们会尽快回复您。",
      typingAgent: "{name} 正在输入…",
      typingSomeone: "客服正在输入…",
      endedBy: {
        customer: "您已结束对话。",
        agent: "客服已结束对话。",
        system: "对话已关闭。",
      },
      surveyTitle: "您对本次服务满意吗？",
      star: "{n} 星（满分 5 星）",
      commentLabel: "还有什么想告诉我们的吗？（选填）",
      rate: "提交评价",
      rateNeedScore: "请先选择 1 至 5 星。",
      rated: "感谢您的评价！",
      transcript: "下载聊天记录：",
      transcriptText: "文本",
      transcriptHtml: "HTML",
      fileType: "仅支持发送 PNG、JPEG、GIF 或 WebP 图片。",
      fileSize: "图片超过 5 MB，请选择较小的图片。",
      fileNotReady: "请等待连接成功后再试。",
      uploadFailed: "图片上传失败，请重试。",
      textTooLong: "消息最多 {max} 个字符（当前 {n} 个）。",
      errorPrefix: "抱歉，",
      dismiss: "关闭提示",
      errors: {
        bad_signature: "无法验证您的账户，请刷新页面。",
        signature_expired: "您的登录已过期，请刷新页面。",
        text_empty: "消息不能为空。",
        text_too_long: "消息太长了。",
        frame_too_large: "消息太大了。",
        attachment_type: "仅支持 PNG、JPEG、GIF 或 WebP 图片。",
        attachment_too_large: "图片超过 5 MB。",
        attachment_dimensions: "图片尺寸过大（每边最多 8000 像素）。",
        conversation_not_found: "找不到之前的对话，已为您开始新的对话。",
        already_rated: "您已经评价过本次对话，谢谢！",
        chat_not_ended: "对话尚未结束。",
        invalid_rating: "请选择 1 至 5 星。",
        rate_limited: "您发送消息太快了，请稍等片刻再重试。",
        generic: "出了点问题，请稍后重试。",
      },
    },
  };
  const S = STRINGS[lang];

  function t(key, vars) {
    let text = key.split(".").reduce((obj, part) => (obj == null ? undefined : obj[part]), S);
    if (text === undefined) { text = key; }
    return String(text).replace(/\{(\w+)\}/g, (m, name) => (vars && name in vars ? String(vars[name]) : m));
  }

  function errorText(code, message) {
    const known = S.errors[code];
    if (known) { return S.errorPrefix + known; }
    // An unknown code: the server's own message (it knows our language from hello), else generic.
    return S.errorPrefix + (message || S.errors.generic);
  }

  // ---------------------------------------------------------------- persistent state
  function loadStore() {
    try {
      const raw = window.localStorage.getItem(storageKey);
      const parsed = raw ? JSON.parse(raw) : null;
      if (parsed && typeof parsed === "object") { return parsed; }
    } catch (e) { /* private mode or corrupt: start fresh */ }
    return {};
  }

  const stored = loadStore();
  const store = {
    conversation: typeof stored.conversation === "string" ? stored.conversation : null,
    token: typeof stored.token === "string" ? stored.token : null,
    lastSeq: Number.isInteger(stored.lastSeq) ? stored.lastSeq : 0,
    messages: Array.isArray(stored.messages) ? stored.messages : [],
    pending: Array.isArray(stored.pending) ? stored.pending : [],
    chatState: typeof stored.chatState === "string" ? stored.chatState : null,
    agentName: typeof stored.agentName === "string" ? stored.agentName : null,
    deliveredSeq: Number.isInteger(stored.deliveredSeq) ? stored.deliveredSeq : 0,
    readSeq: Number.isInteger(stored.readSeq) ? stored.readSeq : 0,
    receiptDelivered: Number.isInteger(stored.receiptDelivered) ? stored.receiptDelivered : 0,
    receiptRead: Number.isInteger(stored.receiptRead) ? stored.receiptRead : 0,
    ended: stored.ended && typeof stored.ended === "object" ? stored.ended : null,
    rated: stored.rated || null,
    open: Boolean(stored.open),
  };
  // Cached history must match lastSeq; if it was lost, ask the server for everything again.
  if (!store.messages.length) { store.lastSeq = 0; }

  function save() {
    if (store.messages.length > MAX_CACHED_MESSAGES) {
      store.messages = store.messages.slice(-MAX_CACHED_MESSAGES);
    }
    try { window.localStorage.setItem(storageKey, JSON.stringify(store)); } catch (e) { /* quota: live on */ }
  }

  function forgetConversation() {
    store.conversation = null;
    store.token = null;
    store.lastSeq = 0;
    store.messages = [];
    store.chatState = null;
    store.agentName = null;
    store.deliveredSeq = 0;
    store.readSeq = 0;
    store.receiptDelivered = 0;
    store.receiptRead = 0;
    store.ended = null;
    store.rated = null;
    save();
  }

  // ---------------------------------------------------------------- runtime state
  const rt = {
    connection: "idle", // idle | connecting | open | offline | refused
    welcomed: false,
    queue: null,
    remoteTyping: null,
    unread: 0,
    surveyScore: 0,
    started: false,
    stick: true,
  };
  const seqElements = new Map(); // seq -> element
  const clientElements = new Map(); // client_id -> element of a message not yet echoed back

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [name, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) { continue; }
        if (name === "class") { node.className = value; } else if (name === "text") { node.textContent = value; } else { node.setAttribute(name, value === true ? "" : String(value)); }
      }
    }
    for (const child of children || []) {
      if (child === null || child === undefined || child === false) { continue; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    clip: "M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5",
  };
  function icon(name) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "kefu-svg kefu-svg--" + name);
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function show(node, visible) { node.hidden = !visible; }

  // Turns text into text nodes and safe links: http(s) URLs and site paths like /en/help/x.
  const LINK_RE = /(https?:\/\/[^\s<>"'，。）]+|(?:^|(?<=[\s(（:：]))\/[A-Za-z0-9][^\s<>"'，。）]*)/g;
  function richText(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(LINK_RE)) {
      let href = match[0];
      const trail = href.match(/[.,;:!?)\]]+$/);
      if (trail) { href = href.slice(0, -trail[0].length); }
      if (!href) { continue; }
      frag.appendChild(document.createTextNode(text.slice(last, match.index)));
      let absolute;
      try { absolute = new URL(href, server + "/"); } catch (e) { absolute = null; }
      if (absolute && (absolute.protocol === "https:" || absolute.protocol === "http:")) {
        frag.appendChild(el("a", { href: absolute.href, target: "_blank", rel: "noopener noreferrer", text: href }));
      } else {
        frag.appendChild(document.createTextNode(href));
      }
      last = match.index + href.length;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function formatTime(iso) {
    if (!iso) { return ""; }
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) { return ""; }
    try {
      return date.toLocaleTimeString(lang === "zh-hans" ? "zh-CN" : "en", { hour: "2-digit", minute: "2-digit" });
    } catch (e) { return ""; }
  }

  function attachmentUrl(attachment) {
    if (!attachment) { return null; }
    let url = typeof attachment === "string" ? "/chat/attachments/" + encodeURIComponent(attachment) : attachment.url;
    if (!url && attachment.id) { url = "/chat/attachments/" + encodeURIComponent(attachment.id); }
    if (!url) { return null; }
    let absolute;
    try { absolute = new URL(url, server + "/"); } catch (e) { return null; }
    if (absolute.protocol !== "https:" && absolute.protocol !== "http:" && absolute.protocol !== "blob:") { return null; }
    if (absolute.origin === server && store.token && !absolute.searchParams.has("token")) {
      absolute.searchParams.set("token", store.token);
    }
    return absolute.href;
  }

  // ---------------------------------------------------------------- build the UI
  const ui = {};

  function buildUi() {
    const root = el("div", { class: "kefu-widget", lang: lang === "zh-hans" ? "zh-Hans" : "en", "data-kefu": "root" });

    ui.launcher = el("button", {
      type: "button", class: "kefu-launcher", "data-kefu": "launcher",
      "aria-expanded": "false", "aria-controls": "kefu-panel", "aria-label": t("launcher"),
    }, [
      el("span", { class: "kefu-launcher__icon", "aria-hidden": "true" }, [icon("chat")]),
      el("span", { class: "kefu-launcher__label", text: t("launcher") }),
    ]);
    ui.badge = el("span", { class: "kefu-launcher__badge", "aria-hidden": "true", hidden: true });
    ui.launcher.appendChild(ui.badge);

    ui.title = el("h2", { class: "kefu-header__title", id: "kefu-panel-title", text: t("title") });
    ui.state = el("p", { class: "kefu-header__state", "data-kefu": "state", "data-state": "idle", "aria-live": "polite" });
    ui.close = el("button", { type: "button", class: "kefu-icon-button", "data-kefu": "close", "aria-label": t("close"), title: t("close") }, [
      el("span", { "aria-hidden": "true", text: "×" }),
    ]);
    const header = el("div", { class: "kefu-header" }, [
      el("div", { class: "kefu-header__text" }, [ui.title, ui.state]),
      ui.close,
    ]);

    ui.notice = el("div", { class: "kefu-notice", role: "alert", "data-kefu": "error", hidden: true });
    ui.noticeText = el("p", { class: "kefu-notice__text" });
    ui.noticeClose = el("button", { type: "button", class: "kefu-link-button", text: t("dismiss") });
    ui.notice.append(ui.noticeText, ui.noticeClose);

    ui.queue = el("div", { class: "kefu-queue", "data-kefu": "queue", role: "status", "aria-live": "polite", hidden: true });

    ui.messages = el("ol", {
      class: "kefu-messages", "data-kefu": "messages", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": t("messages"), tabindex: "0",
    });

    ui.typing = el("p", { class: "kefu-typing", "data-kefu": "typing", "aria-live": "polite", hidden: true });

    // Survey (after the chat ended)
    ui.stars = [];
    const starRow = el("div", { class: "kefu-stars", role: "group", "aria-label": t("surveyTitle") });
    for (let score = 1; score <= 5; score += 1) {
      const star = el("button", {
        type: "button", class: "kefu-star", "data-score": String(score), "aria-pressed": "false",
        "aria-label": t("star", { n: score }), title: t("star", { n: score }),
      }, [el("span", { "aria-hidden": "true", text: "★" })]);
      ui.stars.push(star);
      starRow.appendChild(star);
    }
    ui.comment = el("textarea", { class: "kefu-comment", id: "kefu-comment", "data-kefu": "comment", rows: "2", maxlength: "1000" });
    ui.rate = el("button", { type: "button", class: "kefu-button kefu-button--primary", "data-kefu": "rate", text: t("rate") });
    ui.surveyForm = el("div", { class: "kefu-survey__form" }, [
      starRow,
      el("label", { class: "kefu-label", for: "kefu-comment", text: t("commentLabel") }),
      ui.comment,
      ui.rate,
    ]);
    ui.surveyThanks = el("p", { class: "kefu-survey__thanks", role: "status", text: t("rated"), hidden: true });
    ui.survey = el("section", { class: "kefu-survey", "data-kefu": "survey", "aria-labelledby": "kefu-survey-title", hidden: true }, [
      el("h3", { class: "kefu-survey__title", id: "kefu-survey-title", text: t("surveyTitle") }),
      ui.surveyForm,
      ui.surveyThanks,
    ]);

    ui.endedText = el("p", { class: "kefu-ended__text" });
    ui.newChat = el("button", { type: "button", class: "kefu-button", "data-kefu": "new", text: t("newChat") });
    ui.ended = el("div", { class: "kefu-ended", "data-kefu": "ended", hidden: true }, [ui.endedText, ui.newChat]);

    ui.txtLink = el("a", { class: "kefu-transcript__link", "data-kefu": "transcript-txt", text: t("transcriptText"), download: "" });
    ui.htmlLink = el("a", { class: "kefu-transcript__link", "data-kefu": "transcript-html", text: t("transcriptHtml"), target: "_blank", rel: "noopener" });
    ui.transcript = el("p", { class: "kefu-transcript", "data-kefu": "transcript", hidden: true }, [
      t("transcript"), " ", ui.txtLink, " · ", ui.htmlLink,
    ]);

    // Actions above the composer
    ui.handoff = el("button", { type: "button", class: "kefu-button kefu-button--small", "data-kefu": "handoff", text: t("handoff") });
    ui.end = el("button", { type: "button", class: "kefu-button kefu-button--small kefu-button--quiet", "data-kefu": "end", text: t("end") });
    ui.actions = el("div", { class: "kefu-actions" }, [ui.handoff, ui.end]);

    // Composer
    ui.file = el("input", {
      type: "file", class: "kefu-file", id: "kefu-file", "data-kefu": "file",
      accept: IMAGE_TYPES.join(","), tabindex: "-1", "aria-hidden": "true",
    });
    ui.attach = el("button", { type: "button", class: "kefu-icon-button kefu-attach", "data-kefu": "attach", "aria-label": t("attach"), title: t("attach") }, [
      icon("clip"),
    ]);
    ui.input = el("textarea", {
      class: "kefu-input", id: "kefu-input", "data-kefu": "input", rows: "1",
      placeholder: t("placeholder"), "aria-label": t("inputLabel"), enterkeyhint: "send",
    });
    ui.send = el("button", { type: "submit", class: "kefu-button kefu-button--primary kefu-send", "data-kefu": "send", text: t("send") });
    ui.composer = el("form", { class: "kefu-composer", "data-kefu": "composer", novalidate: true }, [ui.file, ui.attach, ui.input, ui.send]);

    ui.panel = el("section", {
      class: "kefu-panel", id: "kefu-panel", "data-kefu": "panel", role: "dialog",
      "aria-labelledby": "kefu-panel-title", hidden: true,
    }, [
      header, ui.notice, ui.queue, ui.messages, ui.typing, ui.ended, ui.survey, ui.transcript, ui.actions, ui.composer,
    ]);

    root.append(ui.panel, ui.launcher);
    ui.root = root;
    document.body.appendChild(root);

    // Events
    ui.messages.addEventListener("scroll", () => { rt.stick = nearBottom(); }, { passive: true });
    if (window.ResizeObserver) {
      // Banners (queue, survey…) appearing shrink the list: keep the newest message in view.
      new ResizeObserver(() => { if (rt.stick) { scrollToBottom(); } }).observe(ui.messages);
    }
    ui.launcher.addEventListener("click", () => (isOpen() ? closePanel() : openPanel()));
    ui.close.addEventListener("click", () => { closePanel(); ui.launcher.focus(); });
    ui.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { closePanel(); ui.launcher.focus(); }
    });
    ui.noticeClose.addEventListener("click", hideNotice);
    ui.composer.addEventListener("submit", (event) => { event.preventDefault(); submitText(); });
    ui.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        submitText();
      }
    });
    ui.input.addEventListener("input", () => { onLocalTyping(); autoGrow(); });
    ui.input.addEventListener("blur", () => stopLocalTyping());
    ui.attach.addEventListener("click", () => ui.file.click());
    ui.file.addEventListener("change", () => {
      const file = ui.file.files && ui.file.files[0];
      ui.file.value = "";
      if (file) { uploadAndSend(file); }
    });
    ui.handoff.addEventListener("click", () => {
      if (send({ type: "handoff" })) { ui.handoff.disabled = true; }
    });
    ui.end.addEventListener("click", () => { send({ type: "end" }); });
    ui.newChat.addEventListener("click", startNewChat);
    ui.stars.forEach((star) => star.addEventListener("click", () => chooseScore(Number(star.dataset.score))));
    ui.rate.addEventListener("click", submitRating);
  }

  function autoGrow() {
    // Rows instead of inline heights: no style attributes under a strict CSP.
    const lines = ui.input.value.split("\n").length;
    ui.input.rows = Math.max(1, Math.min(5, lines));
  }

  // ---------------------------------------------------------------- notices
  let noticeTimer = null;
  function showNotice(text, sticky) {
    ui.noticeText.textContent = text;
    show(ui.notice, true);
    clearTimeout(noticeTimer);
    if (!sticky) { noticeTimer = setTimeout(hideNotice, 10000); }
  }
  function hideNotice() { clearTimeout(noticeTimer); show(ui.notice, false); }

  // ---------------------------------------------------------------- incident banners
  // Ongoing incidents and announced maintenance above the chat, from the public
  // GET /api/v1/incidents/active (briefly cached), asked when the panel opens, at most once a
  // minute. The chat works the same without it.
  const INCIDENTS_EVERY_MS = 60000;
  let incidentsAskedAt = -Infinity;
  function loadIncidents() {
    if (!window.fetch || Date.now() - incidentsAskedAt < INCIDENTS_EVERY_MS) { return; }
    incidentsAskedAt = Date.now();
    fetch(server + "/api/v1/incidents/active?lang=" + encodeURIComponent(lang), { credentials: "omit" })
      .then((response) => (response.ok ? response.json() : null))
      .then((body) => { if (body && Array.isArray(body.incidents)) { renderIncidents(body.incidents); } })
      .catch(() => {});
  }
  function renderIncidents(incidents) {
    if (!ui.incidents) {
      ui.incidents = el("div", { class: "kefu-incidents", "data-kefu": "incidents", role: "status", hidden: true });
      ui.panel.insertBefore(ui.incidents, ui.notice);
    }
    clear(ui.incidents);
    for (const incident of incidents.slice(0, 3)) {
      ui.incidents.appendChild(el("div", { class: "kefu-incident kefu-incident--" + String(incident.status), "data-incident": String(incident.id) }, [
        el("p", { class: "kefu-incident__head" }, [
          el("span", { class: "kefu-incident__status", text: String(incident.status_label || "") }), " ",
          el("strong", { text: String(incident.title || "") }),
          incident.window ? " " + String(incident.window) : null,
        ]),
        incident.message ? el("p", { class: "kefu-incident__message", text: String(incident.message) }) : null,
      ]));
    }
    show(ui.incidents, incidents.length > 0);
  }

  // ---------------------------------------------------------------- open / close
  function isOpen() { return !ui.panel.hidden; }

  function openPanel() {
    show(ui.panel, true);
    ui.root.classList.add("kefu-widget--open");
    ui.launcher.setAttribute("aria-expanded", "true");
    store.open = true;
    save();
    rt.unread = 0;
    renderLauncher();
    if (!rt.started) { connect(); }
    loadIncidents();
    scrollToBottom();
    sendReceipts();
    if (!ui.input.disabled) { ui.input.focus({ preventScroll: true }); }
  }

  function closePanel() {
    show(ui.panel, false);
    ui.root.classList.remove("kefu-widget--open");
    ui.launcher.setAttribute("aria-expanded", "false");
    store.open = false;
    save();
    stopLocalTyping();
  }

  function renderLauncher() {
    const label = rt.unread ? t("launcherUnread", { n: rt.unread }) : t("launcher");
    ui.launcher.setAttribute("aria-label", label);
    ui.badge.textContent = rt.unread ? String(rt.unread) : "";
    show(ui.badge, rt.unread > 0);
  }

  // ---------------------------------------------------------------- messages
  function authorLabel(msg) {
    if (msg.author === "customer") { return t("you"); }
    if (msg.name) { return msg.name; }
    return t(msg.author === "agent" ? "agent" : msg.author === "system" ? "system" : "assistant");
  }

  function buildMessage(msg, status) {
    const author = ["customer", "assistant", "agent", "system"].includes(msg.author) ? msg.author : "system";
    const item = el("li", {
      class: "kefu-msg kefu-msg--" + author + (msg.kind ? " kefu-msg--kind-" + String(msg.kind).replace(/[^a-z0-9_-]/gi, "") : ""),
      "data-author": author,
      "data-seq": msg.seq != null ? String(msg.seq) : null,
      "data-client-id": msg.client_id || null,
      "data-kind": msg.kind || null,
    });
    if (author !== "system") {
      item.appendChild(el("p", { class: "kefu-msg__name", text: authorLabel(msg) }));
    }
    const bubble = el("div", { class: "kefu-msg__bubble" });
    const url = attachmentUrl(msg.attachment);
    if (url) {
      const name = (msg.attachment && msg.attachment.name) || "";
      const img = el("img", { class: "kefu-msg__image", src: url, alt: t("imageAlt", { name: name || "" }), loading: "lazy", decoding: "async" });
      if (msg.attachment && msg.attachment.width && msg.attachment.height) {
        img.width = msg.attachment.width;
        img.height = msg.attachment.height;
      }
      img.addEventListener("load", () => { if (rt.stick) { scrollToBottom(); } });
      bubble.appendChild(el("a", { class: "kefu-msg__image-link", href: url, target: "_blank", rel: "noopener noreferrer", title: t("openImage") }, [img]));
    }
    if (msg.text && !(url && msg.attachment && msg.text === msg.attachment.name)) {
      bubble.appendChild(el("p", { class: "kefu-msg__text" }, [richText(String(msg.text))]));
    }
    item.appendChild(bubble);
    const meta = el("p", { class: "kefu-msg__meta" });
    const time = formatTime(msg.created_at);
    if (time) { meta.appendChild(el("time", { datetime: msg.created_at, text: time })); }
    if (author === "customer") {
      meta.appendChild(el("span", { class: "kefu-msg__status", "data-kefu": "status", "data-status": status || "sent" }));
    }
    item.appendChild(meta);
    return item;
  }

  function setStatus(item, status, text) {
    const node = item.querySelector(".kefu-msg__status");
    if (!node) { return; }
    node.dataset.status = status;
    node.textContent = text;
    item.classList.toggle("kefu-msg--pending", status === "sending");
    item.classList.toggle("kefu-msg--failed", status === "failed");
  }

  function receiptStatus(seq) {
    if (seq <= store.receiptRead) { return ["read", t("read")]; }
    if (seq <= store.receiptDelivered) { return ["delivered", t("delivered")]; }
    return ["sent", t("sent")];
  }

  function applyReceipts() {
    for (const [seq, item] of seqElements) {
      if (item.dataset.author === "customer") {
        const [status, text] = receiptStatus(seq);
        setStatus(item, status, text);
      }
    }
  }

  // Insert a numbered message in seq order, before any message still waiting for its ack.
  function insertBySeq(item, seq) {
    const children = ui.messages.children;
    let before = null;
    for (let i = 0; i < children.length; i += 1) {
      const child = children[i];
      const childSeq = child.dataset.seq ? Number(child.dataset.seq) : Infinity;
      if (childSeq > seq) { before = child; break; }
    }
    ui.messages.insertBefore(item, before);
  }

  function renderMessage(msg) {
    const seq = Number(msg.seq);
    if (!Number.isInteger(seq) || seq < 1 || seqElements.has(seq)) { return false; }
    if (msg.client_id && clientElements.has(msg.client_id)) {
      clientElements.get(msg.client_id).remove();
      clientElements.delete(msg.client_id);
    }
    const item = buildMessage(msg);
    seqElements.set(seq, item);
    insertBySeq(item, seq);
    if (msg.author === "customer") {
      const [status, text] = receiptStatus(seq);
      setStatus(item, status, text);
    }
    return true;
  }

  function renderPending(p) {
    const old = clientElements.get(p.client_id);
    const item = buildMessage({
      author: "customer", client_id: p.client_id, text: p.text, attachment: p.attachmentInfo || null,
      created_at: p.created_at,
    }, p.failed ? "failed" : "sending");
    if (old) { old.replaceWith(item); } else { ui.messages.appendChild(item); }
    clientElements.set(p.client_id, item);
    if (p.failed) {
      setStatus(item, "failed", t("failed"));
      const meta = item.querySelector(".kefu-msg__meta");
      if (p.error) { item.appendChild(el("p", { class: "kefu-msg__error", text: p.error })); }
      const retry = el("button", { type: "button", class: "kefu-link-button", "data-kefu": "retry", text: t("retry") });
      const discard = el("button", { type: "button", class: "kefu-link-button", "data-kefu": "discard", text: t("discard") });
      retry.addEventListener("click", () => retryPending(p.client_id));
      discard.addEventListener("click", () => discardPending(p.client_id));
      meta.append(" ", retry, " ", discard);
    } else {
      setStatus(item, "sending", t("sending"));
    }
    return item;
  }

  function nearBottom() {
    const m = ui.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }
  function scrollToBottom() { ui.messages.scrollTop = ui.messages.scrollHeight; rt.stick = true; }

  function onMessageFrame(msg) {
    const seq = Number(msg.seq);
    if (!Number.isInteger(seq) || seq < 1) { return; }
    const wasNear = rt.stick || nearBottom();
    // A message of ours came back: it is stored, whatever happened to its ack.
    if (msg.client_id) { dropPending(msg.client_id); }
    const isNew = renderMessage(msg);
    if (seq > store.lastSeq) { store.lastSeq = seq; }
    if (isNew) {
      const copy = {
        seq, client_id: msg.client_id || null, author: msg.author, name: msg.name || null,
        text: msg.text == null ? "" : String(msg.text), attachment: msg.attachment || null,
        created_at: msg.created_at || null, kind: msg.kind || null,
      };
      store.messages.push(copy);
      if (msg.author !== "customer") {
        if (rt.remoteTyping && rt.remoteTyping.author === msg.author) { setRemoteTyping(null); }
        if (!isOpen() || document.visibilityState !== "visible") {
          rt.unread += 1;
          renderLauncher();
        }
      }
    }
    save();
    if (wasNear || msg.author === "customer") { scrollToBottom(); }
    scheduleReceipts();
  }

  // ---------------------------------------------------------------- receipts we send
  let receiptTimer = null;
  function scheduleReceipts() {
    clearTimeout(receiptTimer);
    receiptTimer = setTimeout(sendReceipts, 150);
  }

  function latestOtherSeq() {
    for (let i = store.messages.length - 1; i >= 0; i -= 1) {
      if (store.messages[i].author !== "customer") { return store.messages[i].seq; }
    }
    return 0;
  }

  function sendReceipts() {
    if (!rt.welcomed) { return; }
    const seq = latestOtherSeq();
    if (!seq) { return; }
    if (seq > store.deliveredSeq && send({ type: "delivered", seq })) {
      store.deliveredSeq = seq;
      save();
    }
    if (isOpen() && document.visibilityState === "visible" && seq > store.readSeq && send({ type: "read", seq })) {
      store.readSeq = seq;
      if (store.deliveredSeq < seq) { store.deliveredSeq = seq; }
      save();
    }
  }

  // ---------------------------------------------------------------- outgoing messages
  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
    // Non-secure contexts (plain http on another host) have no randomUUID: build a v4 UUID.
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function submitText() {
    const text = ui.input.value.trim();
    if (!text) { return; }
    if (text.length > MAX_TEXT) {
      showNotice(t("textTooLong", { max: MAX_TEXT, n: text.length }));
      return;
    }
    if (store.chatState === "ended") { return; }
    ui.input.value = "";
    autoGrow();
    stopLocalTyping();
    queueMessage({ text });
    ui.input.focus({ preventScroll: true });
  }

  function queueMessage(fields) {
    const p = {
      client_id: newClientId(),
      text: fields.text,
      attachment: fields.attachment || null,
      attachmentInfo: fields.attachmentInfo || null,
      created_at: new Date().toISOString(),
      failed: false,
    };
    store.pending.push(p);
    save();
    renderPending(p);
    scrollToBottom();
    if (!rt.started) { connect(); }
    transmit(p);
  }

  function transmit(p) {
    if (!rt.welcomed || p.failed) { return false; }
    const frame = { type: "message", client_id: p.client_id, text: p.text };
    if (p.attachment) { frame.attachment = p.attachment; }
    return send(frame);
  }

  function findPending(clientId) { return store.pending.find((p) => p.client_id === clientId); }

  function dropPending(clientId) {
    const before = store.pending.length;
    store.pending = store.pending.filter((p) => p.client_id !== clientId);
    if (store.pending.length !== before) { save(); }
  }

  function onAck(frame) {
    if (!frame.client_id) { return; }
    dropPending(frame.client_id);
    const seq = Number(frame.seq);
    const item = clientElements.get(frame.client_id);
    if (!item) { return; }
    if (Number.isInteger(seq) && seqElements.has(seq)) {
      item.remove();
      clientElements.delete(frame.client_id);
      return;
    }
    // Stored, but its message frame has not arrived yet (it will, now or on resume).
    const [status, text] = Number.isInteger(seq) ? receiptStatus(seq) : ["sent", t("sent")];
    setStatus(item, status, text);
    item.classList.add("kefu-msg--acked");
  }

  function retryPending(clientId) {
    const p = findPending(clientId);
    if (!p) { return; }
    p.failed = false;
    p.error = null;
    save();
    renderPending(p);
    if (!rt.started) { connect(); }
    transmit(p);
  }

  function discardPending(clientId) {
    dropPending(clientId);
    const item = clientElements.get(clientId);
    if (item) { item.remove(); clientElements.delete(clientId); }
  }

  // ---------------------------------------------------------------- attachments
  async function uploadAndSend(file) {
    if (!IMAGE_TYPES.includes(file.type)) { showNotice(t("fileType")); return; }
    if (file.size > MAX_FILE) { showNotice(t("fileSize")); return; }
    if (!rt.welcomed || !store.conversation || !store.token) {
      showNotice(t("fileNotReady"));
      if (!rt.started) { connect(); }
      return;
    }
    if (store.chatState === "ended") { return; }
    const progress = el("li", { class: "kefu-msg kefu-msg--customer kefu-msg--uploading", "data-author": "customer", "aria-busy": "true" }, [
      el("div", { class: "kefu-msg__bubble" }, [el("p", { class: "kefu-msg__text", text: t("uploading", { name: file.name }) })]),
    ]);
    ui.messages.appendChild(progress);
    scrollToBottom();
    ui.attach.disabled = true;
    try {
      const body = new FormData();
      body.append("conversation", store.conversation);
      body.append("token", store.token);
      body.append("file", file, file.name);
      const response = await fetch(server + "/api/v1/chat/attachments", {
        method: "POST", body, credentials: "omit", headers: { Accept: "application/json" },
      });
      let payload = null;
      try { payload = await response.json(); } catch (e) { payload = null; }
      if (!response.ok || !payload || !payload.id) {
        const code = payload && payload.code;
        showNotice(code ? errorText(code, payload.message) : t("uploadFailed"));
        return;
      }
      // Text is 1–2,000 characters; an image alone carries its file name.
      const typed = ui.input.value.trim();
      let text = (payload.name || file.name || "image").slice(0, MAX_TEXT);
      if (typed && typed.length <= MAX_TEXT) {
        text = typed;
        ui.input.value = "";
        autoGrow();
      }
      queueMessage({ text, attachment: payload.id, attachmentInfo: payload });
    } catch (e) {
      showNotice(t("uploadFailed"));
    } finally {
      progress.remove();
      ui.attach.disabled = store.chatState === "ended";
    }
  }

  // ---------------------------------------------------------------- typing
  let typingActive = false;
  let typingTimer = null;
  let lastTypingSent = 0;

  function onLocalTyping() {
    if (!ui.input.value.trim()) { stopLocalTyping(); return; }
    const now = Date.now();
    // Re-announce now and then so the other side's indicator does not time out.
    if (!typingActive || now - lastTypingSent > 10000) {
      if (send({ type: "typing", active: true })) {
        typingActive = true;
        lastTypingSent = now;
      }
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopLocalTyping, TYPING_IDLE_MS);
  }

  function stopLocalTyping() {
    clearTimeout(typingTimer);
    if (typingActive) {
      typingActive = false;
      send({ type: "typing", active: false });
    }
  }

  let remoteTypingTimer = null;
  function setRemoteTyping(frame) {
    clearTimeout(remoteTypingTimer);
    if (!frame || !frame.active || frame.author === "customer") {
      rt.remoteTyping = null;
      ui.typing.textContent = "";
      show(ui.typing, false);
      return;
    }
    const name = frame.name || (frame.author === "agent" ? store.agentName : null);
    rt.remoteTyping = { author: frame.author };
    ui.typing.textContent = name ? t("typingAgent", { name }) : t("typingSomeone");
    show(ui.typing, true);
    remoteTypingTimer = setTimeout(() => setRemoteTyping(null), REMOTE_TYPING_TIMEOUT_MS);
  }

  // ---------------------------------------------------------------- chat state, queue, survey
  function renderState() {
    let text;
    const state = store.chatState;
    if (rt.connection === "connecting" && !rt.welcomed) {
      text = t("stateConnecting");
    } else if (rt.connection === "offline") {
      text = t("stateOffline");
    } else if (state === "queued") {
      text = t("stateQueued");
    } else if (state === "assigned") {
      text = store.agentName ? t("stateAssigned", { agent: store.agentName }) : t("stateAssignedNoName");
    } else if (state === "ended") {
      text = t("stateEnded");
    } else {
      text = t("stateAssistant");
    }
    ui.state.textContent = text;
    ui.state.dataset.state = state || "none";
    ui.state.dataset.connection = rt.connection;
    ui.root.dataset.state = state || "none";
    ui.root.dataset.connection = rt.connection;

    const ended = state === "ended";
    const connected = rt.welcomed && rt.connection === "open";
    show(ui.handoff, !ended && state !== "queued" && state !== "assigned");
    ui.handoff.disabled = !connected;
    show(ui.end, !ended && Boolean(store.conversation));
    ui.end.disabled = !connected;
    show(ui.composer, !ended);
    ui.input.disabled = ended || rt.connection === "refused";
    ui.send.disabled = ended || rt.connection === "refused";
    ui.attach.disabled = ended || !connected;
    show(ui.actions, !ended);
    show(ui.queue, state === "queued" && !ended);
    if (state !== "queued") { rt.queue = null; }
    renderQueue();
    renderEnded();
    renderTranscript();
  }

  function renderQueue() {
    clear(ui.queue);
    if (store.chatState !== "queued") { return; }
    const q = rt.queue;
    if (!q) { ui.queue.appendChild(el("p", { text: t("stateQueued") })); return; }
    const position = Number(q.position);
    if (Number.isFinite(position) && position > 0) {
      const line = position <= 1 ? t("queueNext") : t("queuePosition", { position, ahead: position - 1 });
      ui.queue.appendChild(el("p", { class: "kefu-queue__position", "data-position": String(position), text: line }));
    }
    let estimate;
    if (q.estimate_seconds === null || q.estimate_seconds === undefined) {
      estimate = t("queueNoAgent");
    } else {
      const seconds = Math.max(0, Number(q.estimate_seconds) || 0);
      estimate = seconds < 60 ? t("queueEstimateShort") : t("queueEstimate", { minutes: Math.round(seconds / 60) });
    }
    ui.queue.appendChild(el("p", { class: "kefu-queue__estimate", "data-estimate": q.estimate_seconds == null ? "none" : String(q.estimate_seconds), text: estimate }));
  }

  function renderEnded() {
    const ended = store.chatState === "ended";
    show(ui.ended, ended);
    if (ended) {
      const by = store.ended && store.ended.by;
      ui.endedText.textContent = (by && S.endedBy[by]) || t("stateEnded");
    }
    const surveyWanted = ended && !(store.ended && store.ended.survey === false);
    show(ui.survey, surveyWanted);
    show(ui.surveyForm, surveyWanted && !store.rated);
    show(ui.surveyThanks, Boolean(store.rated));
  }

  function renderTranscript() {
    if (!store.conversation || !store.token) { show(ui.transcript, false); return; }
    const base = server + "/chat/" + encodeURIComponent(store.conversation) + "/transcript";
    const query = "?token=" + encodeURIComponent(store.token);
    ui.txtLink.href = base + ".txt" + query;
    ui.htmlLink.href = base + ".html" + query;
    show(ui.transcript, store.messages.length > 0);
  }

  function chooseScore(score) {
    rt.surveyScore = score;
    ui.stars.forEach((star) => {
      const n = Number(star.dataset.score);
      star.setAttribute("aria-pressed", n === score ? "true" : "false");
      star.classList.toggle("kefu-star--on", n <= score);
    });
  }

  function submitRating() {
    if (!rt.surveyScore) { showNotice(t("rateNeedScore")); return; }
    const comment = ui.comment.value.trim().slice(0, 1000);
    if (send({ type: "rate", score: rt.surveyScore, comment })) {
      ui.rate.disabled = true;
    }
  }

  function startNewChat() {
    forgetConversation();
    rt.queue = null;
    rt.surveyScore = 0;
    ui.comment.value = "";
    ui.rate.disabled = false;
    chooseScore(0);
    resetMessagesDom();
    hideNotice();
    renderState();
    reconnectNow();
  }

  function resetMessagesDom() {
    seqElements.clear();
    clientElements.clear();
    clear(ui.messages);
    setRemoteTyping(null);
    for (const p of store.pending) { renderPending(p); }
  }

  // ---------------------------------------------------------------- the socket
  let socket = null;
  let retries = 0;
  let reconnectTimer = null;
  let pingTimer = null;
  let pongTimer = null;

  function send(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) { return false; }
    if (frame.type !== "hello" && !rt.welcomed) { return false; }
    try { socket.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
  }

  function connect() {
    rt.started = true;
    if (rt.connection === "refused") { return; }
    if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) { return; }
    clearTimeout(reconnectTimer);
    rt.connection = "connecting";
    rt.welcomed = false;
    renderState();
    let ws;
    try { ws = new WebSocket(wsUrl); } catch (e) { scheduleReconnect(); return; }
    socket = ws;
    ws.addEventListener("open", () => {
      if (ws !== socket) { return; }
      const hello = { type: "hello", conversation: store.conversation, lang };
      if (store.conversation) {
        hello.token = store.token;
        hello.last_seq = store.lastSeq;
      }
      if (identity) { Object.assign(hello, identity); }
      ws.send(JSON.stringify(hello));
      startPing();
    });
    ws.addEventListener("message", (event) => {
      if (ws !== socket) { return; }
      let frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === "object") { handleFrame(frame); }
    });
    ws.addEventListener("close", () => {
      if (ws !== socket) { return; }
      socket = null;
      stopPing();
      rt.welcomed = false;
      typingActive = false;
      setRemoteTyping(null);
      if (rt.connection === "refused") { renderState(); return; }
      scheduleReconnect();
    });
    ws.addEventListener("error", () => { /* a close event follows */ });
  }

  function scheduleReconnect() {
    rt.connection = "offline";
    renderState();
    clearTimeout(reconnectTimer);
    const base = Math.min(30000, 1000 * 2 ** Math.min(retries, 5));
    const delay = base / 2 + Math.random() * base / 2;
    retries += 1;
    reconnectTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    clearTimeout(reconnectTimer);
    if (socket) {
      const old = socket;
      socket = null;
      stopPing();
      try { old.close(1000); } catch (e) { /* already closed */ }
    }
    rt.welcomed = false;
    if (rt.connection !== "refused") { connect(); }
  }

  function startPing() {
    stopPing();
    pingTimer = setInterval(() => {
      if (!send({ type: "ping" })) { return; }
      clearTimeout(pongTimer);
      pongTimer = setTimeout(() => {
        // No answer: the connection is dead even if the browser has not noticed yet.
        if (socket) { try { socket.close(4000); } catch (e) { /* ignore */ } }
      }, PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  function stopPing() {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
  }

  function handleFrame(frame) {
    clearTimeout(pongTimer); // any frame proves the connection is alive
    switch (frame.type) {
      case "welcome": onWelcome(frame); break;
      case "message": onMessageFrame(frame); break;
      case "ack": onAck(frame); break;
      case "state": onState(frame); break;
      case "queue":
        rt.queue = frame;
        if (store.chatState !== "queued" && store.chatState !== "ended") { store.chatState = "queued"; save(); renderState(); } else { renderQueue(); }
        break;
      case "typing": setRemoteTyping(frame); break;
      case "receipt": onReceipt(frame); break;
      case "ended": onEnded(frame); break;
      case "rated":
        store.rated = { score: frame.score };
        save();
        renderEnded();
        break;
      case "error": onError(frame); break;
      case "pong": break;
      default: break;
    }
  }

  function onWelcome(frame) {
    if (!frame.conversation || !frame.token) { return; }
    if (store.conversation && frame.conversation !== store.conversation) {
      // The old chat could not be resumed: a new one started. Unsent messages go to the new one.
      forgetConversation();
      resetMessagesDom();
    }
    store.conversation = String(frame.conversation);
    store.token = String(frame.token);
    if (Number.isInteger(frame.last_seq) && frame.last_seq < store.lastSeq) {
      // The server knows fewer messages than we cached (it was reset): start over from its view.
      store.messages = [];
      store.lastSeq = 0;
      resetMessagesDom();
    }
    if (frame.state) { onStateValue(frame.state, frame.agent); }
    if ("agent_delivered_seq" in frame || "agent_read_seq" in frame) {
      // Not in the protocol document, but sent by the server: where the agent got to so far.
      onReceipt({ reader: "agent", delivered_seq: frame.agent_delivered_seq, read_seq: frame.agent_read_seq });
    }
    if (frame.state && frame.state !== "ended") { store.ended = null; }
    save();
    retries = 0;
    rt.connection = "open";
    rt.welcomed = true;
    renderState();
    for (const p of store.pending) { transmit(p); }
    scheduleReceipts();
  }

  function agentName(agent) {
    if (!agent) { return null; }
    if (typeof agent === "string") { return agent; }
    return agent.name || agent.display_name || null;
  }

  function onStateValue(state, agent) {
    store.chatState = String(state);
    const name = agentName(agent);
    if (name) { store.agentName = name; }
    if (state !== "assigned" && state !== "ended") { store.agentName = name || null; }
  }

  function onState(frame) {
    onStateValue(frame.state, frame.agent);
    if (frame.state === "ended" && !store.ended) { store.ended = { by: null, survey: true }; }
    save();
    renderState();
  }

  function onReceipt(frame) {
    if (frame.reader === "customer") { return; }
    const delivered = Number(frame.delivered_seq) || 0;
    const read = Number(frame.read_seq) || 0;
    store.receiptDelivered = Math.max(store.receiptDelivered, delivered, read);
    store.receiptRead = Math.max(store.receiptRead, read);
    save();
    applyReceipts();
  }

  function onEnded(frame) {
    store.chatState = "ended";
    store.ended = { by: frame.by || null, resolution: frame.resolution || null, survey: frame.survey !== false };
    save();
    stopLocalTyping();
    setRemoteTyping(null);
    renderState();
    if (rt.stick) { scrollToBottom(); }
  }

  function onError(frame) {
    const code = frame.code || "";
    if (code === "bad_signature" || code === "signature_expired") {
      // Retrying cannot help; the page must be reloaded with a fresh signature.
      rt.connection = "refused";
      showNotice(errorText(code, frame.message), true);
      renderState();
      if (socket) { try { socket.close(1000); } catch (e) { /* ignore */ } }
      return;
    }
    if (!rt.welcomed && store.conversation) {
      // The stored chat could not be resumed (unknown, wrong token…): start a new one.
      forgetConversation();
      resetMessagesDom();
      if (code === "conversation_not_found") { showNotice(errorText(code, frame.message)); }
      reconnectNow();
      return;
    }
    if (!rt.welcomed) {
      // hello itself was refused for another reason: say so, and try again later.
      showNotice(errorText(code, frame.message));
      if (socket) { try { socket.close(1000); } catch (e) { /* ignore */ } }
      return;
    }
    if (frame.client_id) {
      const p = findPending(frame.client_id);
      if (p) {
        p.failed = true;
        p.error = errorText(code, frame.message);
        save();
        renderPending(p);
        return;
      }
    }
    if (code === "already_rated") {
      store.rated = store.rated || { score: null };
      save();
      renderEnded();
    }
    if (code === "invalid_rating" || code === "chat_not_ended") { ui.rate.disabled = false; }
    showNotice(errorText(code, frame.message));
    if (!ui.handoff.hidden) { ui.handoff.disabled = !(rt.welcomed && rt.connection === "open"); }
  }

  // ---------------------------------------------------------------- start
  function injectCss() {
    if (document.querySelector("link[data-kefu-css]")) { return; }
    const link = el("link", { rel: "stylesheet", href: cssUrl, "data-kefu-css": "" });
    document.head.appendChild(link);
  }

  function init() {
    injectCss();
    buildUi();
    for (const msg of store.messages.slice().sort((a, b) => a.seq - b.seq)) { renderMessage(msg); }
    for (const p of store.pending) { renderPending(p); }
    renderState();
    renderLauncher();
    if (store.open) { openPanel(); }
    // A chat in progress (or unsent messages) reconnects at once; otherwise wait until the visitor opens the panel.
    if (!rt.started && (store.conversation || store.pending.length)) { connect(); }

    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        if (isOpen()) { rt.unread = 0; renderLauncher(); }
        sendReceipts();
      }
    });
    window.addEventListener("online", () => {
      if (rt.started && rt.connection === "offline") { retries = 0; reconnectNow(); }
    });
    window.addEventListener("storage", (event) => {
      // Another tab started a new chat for the same visitor: follow it.
      if (event.key !== storageKey || !event.newValue) { return; }
      try {
        const other = JSON.parse(event.newValue);
        if (other && other.conversation && other.conversation !== store.conversation && rt.started) {
          store.conversation = other.conversation;
          store.token = other.token;
          store.lastSeq = 0;
          store.messages = [];
          resetMessagesDom();
          reconnectNow();
        }
      } catch (e) { /* ignore */ }
    });
  }

  window.KefuWidget = {
    open() { openPanel(); },
    close() { closePanel(); },
    reset() { startNewChat(); },
    get state() {
      return {
        connection: rt.connection,
        welcomed: rt.welcomed,
        conversation: store.conversation,
        chatState: store.chatState,
        agent: store.agentName,
        lastSeq: store.lastSeq,
        pending: store.pending.map((p) => ({ client_id: p.client_id, text: p.text, failed: Boolean(p.failed) })),
        queue: rt.queue ? { position: rt.queue.position, estimate_seconds: rt.queue.estimate_seconds } : null,
        receipts: { delivered: store.receiptDelivered, read: store.receiptRead },
        ended: store.ended,
        rated: store.rated,
        open: isOpen(),
        lang,
        server,
      };
    },
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init, { once: true });
  } else {
    init();
  }
})();
