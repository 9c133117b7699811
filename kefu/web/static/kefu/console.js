// Kefu agent console and supervisor wall: one WebSocket to /ws/console/ (docs/chat-protocol.md).
// The page is a shell; everything live is built here with createElement/textContent, never
// innerHTML, so no text from a customer, an agent or the exchange is ever parsed as HTML.
(function () {
  "use strict";

  var body = document.body;
  var MODE = body.getAttribute("data-mode") === "wall" ? "wall" : "console";
  var DATA = readData();
  var ME = DATA.agent || {};
  var LANG = /^zh/i.test(document.documentElement.lang || "") ? "zh" : "en";
  var RESOLUTIONS = ["solved", "answered", "duplicate", "no_response", "transferred_to_ticket", "other"];
  var MAX_TEXT = 2000;

  // ---------------------------------------------------------------- strings

  var STRINGS = {
    en: {
      console_title: "Agent console", wall_title: "Supervisor wall", wall_link: "Supervisor wall",
      console_link: "Agent console", sign_out: "Sign out",
      presence_online: "Online", presence_away: "Away", presence_offline: "Offline",
      my_queues: "My queues", waiting_chats: "Waiting", my_chats: "My chats",
      no_queues: "No queues yet.", nobody_waiting: "Nobody is waiting.",
      no_chats: "No open chats. Go online to receive chats, or accept one from a queue.",
      wall_queues: "Queues", wall_agents: "Agents", col_queue: "Queue", col_team: "Team",
      col_language: "Language", col_waiting: "Waiting", col_oldest: "Oldest wait",
      col_agents_online: "Agents online", col_agent: "Agent", col_presence: "Presence",
      col_load: "Load", col_idle: "Idle", waiting_for_data: "Waiting for data…",
      conn_connecting: "Connecting…", conn_open: "Connected", conn_closed: "Disconnected — reconnecting in {s}s",
      conn_auth: "Signed out. ", sign_in_again: "Sign in again",
      load: "Chats {load}/{capacity}", waiting_n: "{n} waiting", oldest: "oldest {t}",
      agents_online_n: "{n} online", accept: "Accept", accepting: "Accepting…", watch: "View",
      waited: "waiting {t}", priority: "Priority",
      author_customer: "Customer", author_assistant: "Assistant", author_agent: "Agent", author_system: "System",
      internal_note: "Internal note", note_badge: "Internal", pending: "Sending…", failed: "Not sent",
      retry: "Retry", sent: "Sent", delivered: "Delivered", read: "Read",
      typing: "{who} is typing…", placeholder: "Reply to the customer…",
      placeholder_note: "Internal note — the customer will not see this…",
      send: "Send", add_note: "Add note", canned: "Canned reply…", transfer: "Transfer",
      transfer_to: "Transfer to…", teams: "Teams", agents: "Agents", transfer_note: "Note for the next agent",
      ticket: "Turn into ticket", ticket_requested: "Continues as a ticket", resolution: "Resolution…",
      end: "Close chat", dismiss: "Dismiss",
      res_solved: "Solved", res_answered: "Question answered", res_duplicate: "Duplicate",
      res_no_response: "Customer did not respond", res_transferred_to_ticket: "Continued as a ticket",
      res_other: "Other", res_abandoned: "Customer left the queue",
      handoff: "Hand-over summary", profile: "Customer", notes: "Notes", transcript: "Transcript",
      reason: "Reason", intent: "Intent", entities: "Entities", last_messages: "Last messages",
      anonymous: "Anonymous visitor", none: "—", yes: "yes", no: "no",
      ended_by: "Chat ended by {by}", by_agent: "the agent", by_customer: "the customer", by_system: "the system",
      state_assistant: "with assistant", state_queued: "queued", state_assigned: "assigned", state_ended: "ended",
      unassigned: "{chat} left your chats ({reason})", assigned_new: "New chat {chat}",
      surge: "Surge: {label} — {count} questions (usually {usual})", surge_open: "Open an incident",
      need_resolution: "Choose a resolution first.", need_target: "Choose a team or an agent.",
      not_connected: "Not connected — try again when the console is back online.",
      text_too_long: "A message can have at most 2,000 characters.",
      customer_read_to: "Customer read up to #{seq}", watching: "Viewing only",
      error: "Error", close: "Close", updated: "Updated {t}", chats_in_progress: "Chats in progress",
      cap: "{load} / {capacity}",
      k_display_name: "Name", k_name: "Name", k_uid: "UID", k_exchange_uid: "UID", k_vip_tier: "VIP tier",
      k_kyc_level: "KYC level", k_country: "Country", k_status: "Status", k_frozen_reason: "Frozen because",
      k_frozen_at: "Frozen at", k_registered_at: "Registered", k_anti_phishing_set: "Anti-phishing code set",
      k_withdrawals_locked_until: "Withdrawals locked until", k_deposits: "Recent deposits",
      k_withdrawals: "Recent withdrawals", k_orders: "Recent orders", k_language: "Language",
      k_coin: "Coin", k_network: "Network", k_amount: "Amount", k_fee: "Fee", k_address: "Address",
      k_tx_hash: "Tx hash", k_confirmations: "Confirmations", k_created_at: "Created", k_id: "ID",
      k_memo: "Memo", k_review_reason: "Review reason", k_expected_by: "Expected by",
      k_completed_at: "Completed", k_credited_at: "Credited", k_failure_reason: "Failure", k_steps: "Steps",
      k_results: "Results", k_customer: "Customer", k_priority: "Priority", k_reason: "Reason",
      k_intent: "Intent", k_summary: "Summary", k_limits: "Limits", k_identified: "Signed in",
      k_required_confirmations: "Confirmations needed", k_address_network: "Address network",
      k_refunded_at: "Refunded", k_exchange_error: "Exchange unavailable"
    },
    zh: {
      console_title: "客服工作台", wall_title: "主管监控墙", wall_link: "主管监控墙",
      console_link: "客服工作台", sign_out: "退出登录",
      presence_online: "在线", presence_away: "离开", presence_offline: "离线",
      my_queues: "我的队列", waiting_chats: "排队中", my_chats: "我的会话",
      no_queues: "暂无队列。", nobody_waiting: "暂无排队的客户。",
      no_chats: "没有打开的会话。切换为在线即可接入会话，或从队列中接入。",
      wall_queues: "队列", wall_agents: "客服", col_queue: "队列", col_team: "团队",
      col_language: "语言", col_waiting: "排队", col_oldest: "最长等待",
      col_agents_online: "在线客服", col_agent: "客服", col_presence: "状态",
      col_load: "负载", col_idle: "空闲", waiting_for_data: "等待数据…",
      conn_connecting: "正在连接…", conn_open: "已连接", conn_closed: "连接已断开，{s} 秒后重连",
      conn_auth: "登录已失效。", sign_in_again: "重新登录",
      load: "会话 {load}/{capacity}", waiting_n: "{n} 人排队", oldest: "最长 {t}",
      agents_online_n: "{n} 人在线", accept: "接入", accepting: "接入中…", watch: "查看",
      waited: "已等待 {t}", priority: "优先级",
      author_customer: "客户", author_assistant: "智能助手", author_agent: "客服", author_system: "系统",
      internal_note: "内部备注", note_badge: "内部", pending: "发送中…", failed: "未发送",
      retry: "重试", sent: "已发送", delivered: "已送达", read: "已读",
      typing: "{who}正在输入…", placeholder: "回复客户…",
      placeholder_note: "内部备注——客户看不到…",
      send: "发送", add_note: "添加备注", canned: "快捷回复…", transfer: "转接",
      transfer_to: "转接给…", teams: "团队", agents: "客服", transfer_note: "给下一位客服的备注",
      ticket: "转为工单", ticket_requested: "将以工单继续处理", resolution: "结束原因…",
      end: "结束会话", dismiss: "关闭",
      res_solved: "已解决", res_answered: "已解答", res_duplicate: "重复",
      res_no_response: "客户无回应", res_transferred_to_ticket: "转为工单",
      res_other: "其他", res_abandoned: "客户离开队列",
      handoff: "转人工摘要", profile: "客户资料", notes: "备注", transcript: "聊天记录",
      reason: "原因", intent: "意图", entities: "关键信息", last_messages: "最近消息",
      anonymous: "匿名访客", none: "—", yes: "是", no: "否",
      ended_by: "会话已由{by}结束", by_agent: "客服", by_customer: "客户", by_system: "系统",
      state_assistant: "智能助手", state_queued: "排队中", state_assigned: "已分配", state_ended: "已结束",
      unassigned: "{chat} 已移出你的会话（{reason}）", assigned_new: "新会话 {chat}",
      surge: "咨询激增：{label}，{count} 条（通常 {usual} 条）", surge_open: "创建事件公告",
      need_resolution: "请先选择结束原因。", need_target: "请选择团队或客服。",
      not_connected: "尚未连接，请在工作台恢复连接后重试。",
      text_too_long: "每条消息最多 2000 个字符。",
      customer_read_to: "客户已读至 #{seq}", watching: "仅查看",
      error: "错误", close: "关闭", updated: "更新于 {t}", chats_in_progress: "进行中的会话",
      cap: "{load} / {capacity}",
      k_display_name: "姓名", k_name: "姓名", k_uid: "UID", k_exchange_uid: "UID", k_vip_tier: "VIP 等级",
      k_kyc_level: "KYC 等级", k_country: "国家/地区", k_status: "状态", k_frozen_reason: "冻结原因",
      k_frozen_at: "冻结时间", k_registered_at: "注册时间", k_anti_phishing_set: "已设置防钓鱼码",
      k_withdrawals_locked_until: "提币锁定至", k_deposits: "最近充值",
      k_withdrawals: "最近提币", k_orders: "最近订单", k_language: "语言",
      k_coin: "币种", k_network: "网络", k_amount: "数量", k_fee: "手续费", k_address: "地址",
      k_tx_hash: "交易哈希", k_confirmations: "确认数", k_created_at: "创建时间", k_id: "ID",
      k_memo: "Memo", k_review_reason: "审核原因", k_expected_by: "预计完成",
      k_completed_at: "完成时间", k_credited_at: "到账时间", k_failure_reason: "失败原因", k_steps: "步骤",
      k_results: "结果", k_customer: "客户", k_priority: "优先级", k_reason: "原因",
      k_intent: "意图", k_summary: "摘要", k_limits: "限额", k_identified: "已登录",
      k_required_confirmations: "所需确认数", k_address_network: "地址所属网络",
      k_refunded_at: "退回时间", k_exchange_error: "交易所数据不可用"
    }
  };

  function t(key, vars) {
    var s = STRINGS[LANG][key];
    if (s === undefined) { s = STRINGS.en[key]; }
    if (s === undefined) { s = key; }
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, function (m, name) {
        return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m;
      });
    }
    return s;
  }

  function has(key) { return Object.prototype.hasOwnProperty.call(STRINGS.en, key); }

  function readData() {
    var node = document.getElementById("console-data");
    if (!node) { return {}; }
    try { return JSON.parse(node.textContent) || {}; } catch (e) { return {}; }
  }

  // ---------------------------------------------------------------- DOM helpers

  // el("div", {class: "x", "data-console": "y", text: "hello"}, child, "text", ...)
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === undefined || value === null || value === false) { return; }
        if (name === "text") { node.textContent = String(value); }
        else if (name === "class") { node.className = value; }
        else if (name.slice(0, 2) === "on" && typeof value === "function") {
          node.addEventListener(name.slice(2), value);
        } else if (name === "value") { node.value = value; }
        else { node.setAttribute(name, value === true ? "" : String(value)); }
      });
    }
    for (var i = 2; i < arguments.length; i++) { append(node, arguments[i]); }
    return node;
  }

  function append(node, child) {
    if (child === undefined || child === null || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "string" || typeof child === "number"
      ? document.createTextNode(String(child)) : child);
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function $(selector, root) { return (root || document).querySelector(selector); }

  function hook(name, root) { return $('[data-console="' + name + '"]', root); }

  function translateShell() {
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      var key = node.getAttribute("data-i18n");
      if (has(key)) { node.textContent = t(key); }
    });
  }

  // ---------------------------------------------------------------- formatting

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(Number(seconds) || 0));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    function two(n) { return n < 10 ? "0" + n : String(n); }
    if (LANG === "zh") {
      if (h) { return h + "小时" + two(m) + "分"; }
      if (m) { return m + "分" + two(s) + "秒"; }
      return s + "秒";
    }
    if (h) { return h + "h " + two(m) + "m"; }
    if (m) { return m + "m " + two(s) + "s"; }
    return s + "s";
  }

  var ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

  function when(value) {
    var d = new Date(value);
    if (isNaN(d.getTime())) { return String(value); }
    var locale = LANG === "zh" ? "zh-CN" : "en-GB";
    var sameDay = d.toDateString() === new Date().toDateString();
    return sameDay
      ? d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" })
      : d.toLocaleString(locale, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }

  function label(key) {
    var k = "k_" + key;
    if (has(k)) { return t(k); }
    var words = String(key).replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function customerName(customer) {
    if (customer === null || customer === undefined || customer === "") { return t("anonymous"); }
    if (typeof customer !== "object") { return String(customer); }
    return String(customer.name || customer.display_name || customer.uid || customer.exchange_uid ||
      customer.id || t("anonymous"));
  }

  function chatLabel(chat) {
    var n = chat.summary && chat.summary.number;
    return n ? String(n) : String(chat.id).slice(0, 8);
  }

  function resolutionLabel(code) { return has("res_" + code) ? t("res_" + code) : String(code); }

  function stateLabel(state) { return has("state_" + state) ? t("state_" + state) : String(state || ""); }

  function safeUrl(url) {
    try {
      var u = new URL(String(url), location.href);
      return u.origin === location.origin ? u.href : null;
    } catch (e) { return null; }
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
    // randomUUID needs a secure context; plain http on a LAN address has none.
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // Generic rendering of whatever the exchange returns: objects become definition lists, lists of
  // records become small tables, timestamps are shown in local time.
  function renderValue(value, depth) {
    depth = depth || 0;
    if (value === null || value === undefined || value === "") { return el("span", { class: "muted", text: t("none") }); }
    if (typeof value === "boolean") { return el("span", { text: value ? t("yes") : t("no") }); }
    if (typeof value === "number") { return el("span", { text: String(value) }); }
    if (typeof value === "string") {
      return ISO_DATE.test(value) ? el("time", { datetime: value, text: when(value) }) : el("span", { text: value });
    }
    if (Array.isArray(value)) {
      if (!value.length) { return el("span", { class: "muted", text: t("none") }); }
      var records = value.every(function (v) { return v && typeof v === "object" && !Array.isArray(v); });
      if (records && depth < 3) { return renderTable(value); }
      return el("ul", { class: "plain-list" }, value.map(function (v) { return el("li", null, renderValue(v, depth + 1)); }));
    }
    if (typeof value === "object") {
      if (depth >= 3) { return el("code", { text: JSON.stringify(value) }); }
      return renderDl(value, Object.keys(value), depth + 1);
    }
    return el("span", { text: String(value) });
  }

  function renderDl(obj, keys, depth) {
    var dl = el("dl", { class: "kv" });
    keys.forEach(function (key) {
      dl.appendChild(el("dt", { text: label(key) }));
      dl.appendChild(el("dd", { "data-key": key }, renderValue(obj[key], depth)));
    });
    return dl;
  }

  var COLUMN_ORDER = ["id", "coin", "symbol", "network", "side", "amount", "fee", "status", "review_reason",
    "confirmations", "created_at", "tx_hash", "address"];

  function renderTable(rows) {
    var seen = {};
    rows.forEach(function (r) { Object.keys(r).forEach(function (k) { seen[k] = true; }); });
    Object.keys(seen).forEach(function (k) {
      seen[k] = rows.some(function (r) { return r[k] !== null && r[k] !== undefined && r[k] !== ""; });
    });
    var cols = COLUMN_ORDER.filter(function (k) { return seen[k]; });
    Object.keys(seen).forEach(function (k) { if (seen[k] && cols.indexOf(k) < 0) { cols.push(k); } });
    var table = el("table", { class: "mini-table" },
      el("thead", null, el("tr", null, cols.map(function (c) { return el("th", { scope: "col", text: label(c) }); }))));
    var tbody = el("tbody");
    rows.forEach(function (r) {
      tbody.appendChild(el("tr", null, cols.map(function (c) {
        var v = r[c];
        var cell = el("td", { "data-key": c });
        if (typeof v === "string" && v.length > 18 && (c === "tx_hash" || c === "address")) {
          cell.appendChild(el("code", { title: v, text: v.slice(0, 8) + "…" + v.slice(-6) }));
        } else if (v && typeof v === "object") {
          cell.appendChild(el("code", { text: JSON.stringify(v) }));
        } else {
          cell.appendChild(renderValue(v, 3));
        }
        return cell;
      })));
    });
    table.appendChild(tbody);
    return el("div", { class: "table-scroll" }, table);
  }

  // ---------------------------------------------------------------- live clocks

  // Elements showing "waiting 2m 05s" keep counting between server frames.
  function clock(seconds, format) {
    var node = el("span", { class: "clock" });
    node.setAttribute("data-since", String(Date.now() - (Number(seconds) || 0) * 1000));
    node.setAttribute("data-format", format || "");
    tickNode(node, Date.now());
    return node;
  }

  function tickNode(node, now) {
    var secs = (now - Number(node.getAttribute("data-since"))) / 1000;
    var fmt = node.getAttribute("data-format");
    node.textContent = fmt ? t(fmt, { t: duration(secs) }) : duration(secs);
    var warn = Number(node.getAttribute("data-warn") || 0);
    if (warn) { node.classList.toggle("late", secs >= warn); }
  }

  setInterval(function () {
    var now = Date.now();
    document.querySelectorAll(".clock[data-since]").forEach(function (n) { tickNode(n, now); });
  }, 1000);

  // ---------------------------------------------------------------- errors / toasts

  function toast(text, kind, detail) {
    var box = hook("errors");
    if (!box) { return; }
    var item = el("div", { class: "toast toast-" + (kind || "error"), role: kind === "info" ? "status" : "alert",
      "data-console": kind === "info" ? "notice" : "error", "data-code": detail || null },
      el("span", { class: "toast-text", text: text }),
      detail ? el("code", { class: "toast-code", text: detail }) : null,
      el("button", { type: "button", class: "toast-close", "aria-label": t("close"), text: "×",
        onclick: function () { item.remove(); } }));
    box.appendChild(item);
    while (box.children.length > 5) { box.removeChild(box.firstChild); }
    setTimeout(function () { item.remove(); }, kind === "info" ? 6000 : 15000);
  }

  // Surge alerts stay until closed: a spike of similar questions may need an incident now.
  function onSurge(frame) {
    var box = hook("errors");
    var base = body.getAttribute("data-incidents-url");
    if (!box || !base) { return; }
    (frame.alerts || []).forEach(function (alert) {
      var item = el("div", { class: "toast toast-surge", role: "alert", "data-console": "surge" },
        el("span", { class: "toast-text", text: t("surge", { label: alert.label, count: alert.count, usual: alert.usual }) }),
        el("a", { class: "btn btn-small", href: base + "new/?surge=" + encodeURIComponent(alert.id), text: t("surge_open") }),
        el("button", { type: "button", class: "toast-close", "aria-label": t("close"), text: "×",
          onclick: function () { item.remove(); } }));
      box.appendChild(item);
    });
  }

  // ---------------------------------------------------------------- socket

  var socket = null;
  var attempts = 0;
  var reconnectTimer = null;
  var countdownTimer = null;
  var stopped = false;
  var welcomed = false;
  var lastFrameAt = 0;
  var PING_EVERY = 25000;
  var STALE_AFTER = 70000;

  function wsUrl() {
    return (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/ws/console/";
  }

  function connected() { return socket !== null && socket.readyState === WebSocket.OPEN && welcomed; }

  function send(frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN) { return false; }
    try { socket.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
  }

  function setConnection(state, extra) {
    var node = hook("connection");
    if (!node) { return; }
    node.setAttribute("data-state", state);
    clear(node);
    if (state === "auth") {
      node.appendChild(document.createTextNode(t("conn_auth")));
      var url = safeUrl(body.getAttribute("data-login-url") || "/");
      node.appendChild(el("a", { href: url || "/", text: t("sign_in_again") }));
      return;
    }
    node.textContent = state === "open" ? t("conn_open")
      : state === "closed" ? t("conn_closed", { s: extra || 0 }) : t("conn_connecting");
  }

  function connect() {
    if (stopped) { return; }
    clearTimeout(reconnectTimer);
    clearInterval(countdownTimer);
    welcomed = false;
    setConnection("connecting");
    var ws;
    try { ws = new WebSocket(wsUrl()); } catch (e) { scheduleReconnect(); return; }
    socket = ws;
    lastFrameAt = Date.now();
    ws.addEventListener("message", function (event) {
      if (ws !== socket) { return; }
      lastFrameAt = Date.now();
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string") { handle(frame); }
    });
    ws.addEventListener("close", function (event) {
      if (ws !== socket) { return; }
      socket = null;
      welcomed = false;
      markTypingOff();
      if (event.code === 4401 || event.code === 4403) {
        stopped = true;
        setConnection("auth");
        return;
      }
      scheduleReconnect();
    });
    ws.addEventListener("error", function () { /* a close event follows */ });
  }

  function scheduleReconnect() {
    if (stopped) { return; }
    var delay = Math.min(30000, 1000 * Math.pow(2, attempts));
    delay = Math.round(delay * (0.5 + Math.random() * 0.5));
    attempts = Math.min(attempts + 1, 10);
    var due = Date.now() + delay;
    setConnection("closed", Math.ceil(delay / 1000));
    clearInterval(countdownTimer);
    countdownTimer = setInterval(function () {
      setConnection("closed", Math.max(0, Math.ceil((due - Date.now()) / 1000)));
    }, 1000);
    reconnectTimer = setTimeout(connect, delay);
  }

  // Keep-alive: a ping every 25 s; a socket silent for 70 s is presumed dead and replaced.
  setInterval(function () {
    if (!socket || socket.readyState !== WebSocket.OPEN) { return; }
    if (Date.now() - lastFrameAt > STALE_AFTER) {
      var dead = socket;
      socket = null;
      welcomed = false;
      try { dead.close(); } catch (e) { /* already gone */ }
      markTypingOff();
      scheduleReconnect();
      return;
    }
    send({ type: "ping" });
  }, PING_EVERY);

  window.addEventListener("online", function () {
    if (!socket && !stopped) { attempts = 0; connect(); }
  });

  function handle(frame) {
    switch (frame.type) {
      case "welcome": onWelcome(frame); break;
      case "wall": onWall(frame); break;
      case "error": onError(frame); break;
      case "pong": break;
      case "surge_alert": onSurge(frame); break;
      default:
        if (MODE === "console") { consoleFrame(frame); }
    }
  }

  function onWelcome(frame) {
    welcomed = true;
    attempts = 0;
    clearInterval(countdownTimer);
    setConnection("open");
    if (frame.agent) { ME = frame.agent; }
    if (MODE === "console") { consoleWelcome(frame); }
  }

  function onError(frame) {
    var text = frame.message || frame.code || t("error");
    if (MODE === "console" && frame.client_id) { failPending(frame.client_id, text); }
    if (MODE === "console" && frame.conversation) {
      var chat = chats[String(frame.conversation)];
      if (chat) { text = chatLabel(chat) + ": " + text; }
    }
    reenableAccept();
    toast(text, "error", frame.code || null);
  }

  // ================================================================= console

  var chats = {};          // conversation id -> chat state
  var order = [];          // conversation ids in the order they arrived
  var presence = "";       // as the server last told or we last asked
  var wantedPresence = ""; // what the agent chose; re-asserted after a reconnect
  var capacity = null;
  var waitingSummaries = [];

  function consoleWelcome(frame) {
    if (frame.capacity !== undefined && frame.capacity !== null) { capacity = frame.capacity; }
    presence = frame.presence || presence;
    if (wantedPresence && wantedPresence !== presence) {
      send({ type: "presence", status: wantedPresence });
      presence = wantedPresence;
    }
    showPresence();
    var listed = {};
    (frame.chats || []).forEach(function (summary) {
      listed[String(summary.conversation)] = true;
      upsertChat(summary, false);
    });
    // Chats that vanished while we were away were transferred or re-queued; ended ones stay
    // until dismissed, and chats a supervisor only views are re-opened.
    Object.keys(chats).forEach(function (id) {
      var chat = chats[id];
      if (!listed[id] && chat.state !== "ended" && !chat.watching) { removeChat(id); }
    });
    Object.keys(chats).forEach(function (id) {
      var chat = chats[id];
      if (chat.state === "ended" && !listed[id]) { return; }
      openChat(chat);
      resendPending(chat);
    });
    updateCounts();
  }

  function consoleFrame(frame) {
    var id = frame.conversation !== undefined && frame.conversation !== null ? String(frame.conversation) : null;
    var chat = id ? chats[id] : null;
    switch (frame.type) {
      case "queues": onQueues(frame); break;
      case "presence":
        if (frame.status) { presence = frame.status; showPresence(); }
        break;
      case "assigned": onAssigned(frame.chat || {}); break;
      case "unassigned":
        if (chat) {
          toast(t("unassigned", { chat: chatLabel(chat), reason: frame.reason || "—" }), "info");
          removeChat(id);
        }
        break;
      case "chat": if (chat) { onChatDetails(chat, frame); } break;
      case "message": if (chat) { onMessage(chat, frame); } break;
      case "ack": if (chat) { onAck(chat, frame); } else if (frame.client_id) { ackAnywhere(frame); } break;
      case "typing": if (chat) { onTyping(chat, frame); } break;
      case "receipt": if (chat) { onReceipt(chat, frame); } break;
      case "ended": if (chat) { onEnded(chat, frame); } break;
      case "state": if (chat && frame.state) { setState(chat, frame.state); } break;
      default: break;
    }
  }

  // ---------------------------------------------------------------- presence

  function showPresence() {
    var box = hook("presence");
    if (!box) { return; }
    box.setAttribute("data-current", presence || "");
    box.querySelectorAll("[data-status]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-status") === presence ? "true" : "false");
    });
  }

  function setupPresence() {
    var box = hook("presence");
    if (!box) { return; }
    box.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-status]");
      if (!button || !box.contains(button)) { return; }
      var status = button.getAttribute("data-status");
      wantedPresence = status;
      if (send({ type: "presence", status: status })) {
        presence = status;
      } else {
        toast(t("not_connected"), "error");
      }
      showPresence();
    });
  }

  function updateCounts() {
    var active = order.filter(function (id) { return chats[id] && chats[id].state !== "ended" && !chats[id].watching; }).length;
    var load = hook("load");
    if (load) { load.textContent = capacity !== null ? t("load", { load: active, capacity: capacity }) : ""; }
    var count = hook("chat-count");
    if (count) { count.textContent = String(order.length); }
    var empty = hook("empty");
    if (empty) { empty.hidden = order.length > 0; }
    var unread = 0;
    order.forEach(function (id) { unread += chats[id].unread || 0; });
    var base = document.title.replace(/^\(\d+\) /, "");
    document.title = unread ? "(" + unread + ") " + base : base;
  }

  // ---------------------------------------------------------------- queues and waiting chats

  var acceptRequested = {};

  function onQueues(frame) {
    var list = hook("queues");
    if (list) {
      clear(list);
      var queues = frame.queues || [];
      if (!queues.length) { list.appendChild(el("li", { class: "muted small", text: t("no_queues") })); }
      queues.forEach(function (q) {
        var oldest = Number(q.oldest_wait_seconds) || 0;
        var waitingCount = Number(q.waiting) || 0;
        var oldestNode = waitingCount ? clock(oldest, "oldest") : null;
        if (oldestNode) { oldestNode.setAttribute("data-warn", "120"); tickNode(oldestNode, Date.now()); }
        list.appendChild(el("li", { class: "queue" + (waitingCount ? " has-waiting" : ""), "data-queue": q.slug,
          "data-waiting": String(waitingCount) },
          el("div", { class: "queue-head" },
            el("span", { class: "queue-name", text: q.name || q.slug }),
            q.language ? el("span", { class: "tag", text: q.language }) : null),
          el("div", { class: "queue-stats small" },
            el("span", { class: "queue-waiting", text: t("waiting_n", { n: waitingCount }) }),
            oldestNode,
            q.agents_online !== undefined ? el("span", { class: "muted", text: t("agents_online_n", { n: q.agents_online }) }) : null)));
      });
    }
    waitingSummaries = frame.waiting || [];
    renderWaiting();
  }

  function renderWaiting() {
    var list = hook("waiting-list");
    var count = hook("waiting-count");
    if (count) { count.textContent = String(waitingSummaries.length); }
    if (!list) { return; }
    clear(list);
    if (!waitingSummaries.length) { list.appendChild(el("li", { class: "muted small", text: t("nobody_waiting") })); }
    var supervisor = ME.role === "supervisor" || ME.role === "admin";
    waitingSummaries.forEach(function (s) {
      var id = String(s.conversation);
      var busy = !!acceptRequested[id];
      var waited = clock(s.waiting_seconds, "waited");
      waited.setAttribute("data-warn", "120");
      tickNode(waited, Date.now());
      var item = el("li", { class: "waiting priority-" + (s.priority || "normal"), "data-console": "waiting",
          "data-conversation": id, "data-priority": s.priority || null },
        el("div", { class: "waiting-head" },
          el("strong", { text: s.number || id.slice(0, 8) }),
          el("span", { class: "waiting-customer", text: customerName(s.customer) }),
          s.priority && s.priority !== "normal" ? el("span", { class: "badge badge-" + s.priority, text: s.priority }) : null),
        el("div", { class: "waiting-meta small muted" },
          s.queue ? el("span", { text: typeof s.queue === "object" ? (s.queue.name || s.queue.slug) : String(s.queue) }) : null,
          s.language ? el("span", { class: "tag", text: s.language }) : null,
          waited),
        s.last_text ? el("p", { class: "waiting-text small", text: s.last_text }) : null,
        el("div", { class: "waiting-actions" },
          el("button", { type: "button", class: "btn btn-primary btn-small", "data-console": "accept",
            "data-conversation": id, disabled: busy, text: busy ? t("accepting") : t("accept"),
            onclick: function (event) { accept(id, event.currentTarget); } }),
          supervisor && !chats[id] ? el("button", { type: "button", class: "btn btn-small", "data-console": "watch",
            "data-conversation": id, text: t("watch"),
            onclick: function () { watch(s); } }) : null));
      list.appendChild(item);
    });
  }

  function accept(id, button) {
    if (!send({ type: "accept", conversation: id })) { toast(t("not_connected"), "error"); return; }
    acceptRequested[id] = Date.now();
    button.disabled = true;
    button.textContent = t("accepting");
    setTimeout(function () { if (acceptRequested[id]) { delete acceptRequested[id]; renderWaiting(); } }, 8000);
  }

  function reenableAccept() {
    if (Object.keys(acceptRequested).length) { acceptRequested = {}; renderWaiting(); }
  }

  function watch(summary) {
    var chat = upsertChat(summary, true);
    chat.watching = true;
    chat.pane.classList.add("watching");
    openChat(chat);
    focusChat(chat);
  }

  function onAssigned(summary) {
    if (summary.conversation === undefined || summary.conversation === null) { return; }
    var id = String(summary.conversation);
    delete acceptRequested[id];
    waitingSummaries = waitingSummaries.filter(function (s) { return String(s.conversation) !== id; });
    renderWaiting();
    var existed = !!chats[id];
    var chat = upsertChat(summary, false);
    if (chat.watching) { chat.watching = false; chat.pane.classList.remove("watching"); setState(chat, chat.state); }
    if (!existed || !chat.opened) { openChat(chat); }
    if (!existed) {
      toast(t("assigned_new", { chat: chatLabel(chat) }), "info");
      chat.pane.classList.add("flash");
      setTimeout(function () { chat.pane.classList.remove("flash"); }, 2500);
    }
    updateCounts();
  }

  // ---------------------------------------------------------------- chats

  function upsertChat(summary, watching) {
    var id = String(summary.conversation);
    var chat = chats[id];
    if (!chat) {
      chat = {
        id: id, summary: {}, state: summary.state || "assigned", watching: !!watching, opened: false,
        messages: {},        // seq -> element
        maxSeq: 0,
        maxOtherSeq: 0,      // highest seq not written by an agent: what a read receipt covers
        byClient: {},        // client_id -> element (own messages, pending or stored)
        pending: [],         // [{frame, node}] not yet acked, in send order
        readSent: 0, customerRead: 0, customerDelivered: 0, unread: 0,
        typingSentAt: 0, typingOffTimer: null, typingShowTimer: null, readTimer: null, ticketRequested: false
      };
      chats[id] = chat;
      order.push(id);
      buildPane(chat);
    }
    Object.keys(summary).forEach(function (k) { chat.summary[k] = summary[k]; });
    if (summary.state) { setState(chat, summary.state); }
    renderHeader(chat);
    renderTab(chat);
    updateCounts();
    return chat;
  }

  function removeChat(id) {
    var chat = chats[id];
    if (!chat) { return; }
    if (chat.pane) { chat.pane.remove(); }
    if (chat.tab) { chat.tab.remove(); }
    clearTimeout(chat.typingOffTimer);
    clearTimeout(chat.typingShowTimer);
    clearTimeout(chat.readTimer);
    delete chats[id];
    order = order.filter(function (x) { return x !== id; });
    updateCounts();
    renderWaiting();
  }

  function openChat(chat) {
    if (send({ type: "open", conversation: chat.id, last_seq: chat.maxSeq })) { chat.opened = true; }
  }

  function resendPending(chat) {
    chat.pending.forEach(function (p) {
      if (!p.failed) { send(p.frame); }
    });
  }

  function setState(chat, state) {
    chat.state = state;
    if (chat.pane) {
      chat.pane.setAttribute("data-state", state);
      var ended = state === "ended";
      chat.pane.classList.toggle("ended", ended);
      chat.pane.querySelectorAll(".needs-live").forEach(function (n) { n.disabled = ended; });
      var dismiss = chat.pane.querySelector(".chat-dismiss");
      if (dismiss) { dismiss.hidden = !ended && !chat.watching; }
    }
    renderHeader(chat);
    renderTab(chat);
    updateCounts();
  }

  function focusChat(chat) {
    chat.pane.scrollIntoView({ behavior: "smooth", block: "nearest" });
    var input = hook("input", chat.pane);
    if (input && !input.disabled) { input.focus({ preventScroll: true }); }
    markRead(chat);
  }

  function renderTab(chat) {
    var list = hook("tabs");
    if (!list) { return; }
    if (!chat.tab) {
      chat.tab = el("li", { class: "chat-tab", "data-console": "tab", "data-conversation": chat.id });
      chat.tabButton = el("button", { type: "button", class: "chat-tab-btn", onclick: function () { focusChat(chat); } });
      chat.tab.appendChild(chat.tabButton);
      list.appendChild(chat.tab);
    }
    var b = chat.tabButton;
    clear(b);
    b.appendChild(el("strong", { text: chatLabel(chat) }));
    b.appendChild(el("span", { class: "chat-tab-name", text: customerName(chat.summary.customer) }));
    if (chat.state === "ended") { b.appendChild(el("span", { class: "tag", text: stateLabel("ended") })); }
    if (chat.unread) { b.appendChild(el("span", { class: "unread", text: String(chat.unread) })); }
    chat.tab.setAttribute("data-state", chat.state || "");
  }

  function renderHeader(chat) {
    if (!chat.header) { return; }
    var s = chat.summary;
    clear(chat.header);
    chat.header.appendChild(el("strong", { class: "chat-number", text: chatLabel(chat) }));
    chat.header.appendChild(el("span", { class: "chat-customer", text: customerName(s.customer) }));
    if (s.language) { chat.header.appendChild(el("span", { class: "tag", text: s.language })); }
    if (s.queue) { chat.header.appendChild(el("span", { class: "tag", text: typeof s.queue === "object" ? (s.queue.name || s.queue.slug) : String(s.queue) })); }
    if (s.priority && s.priority !== "normal") { chat.header.appendChild(el("span", { class: "badge badge-" + s.priority, text: s.priority })); }
    chat.header.appendChild(el("span", { class: "chat-state small muted", text: stateLabel(chat.state) }));
    if (chat.watching) { chat.header.appendChild(el("span", { class: "tag tag-watch", text: t("watching") })); }
  }

  function buildPane(chat) {
    var container = hook("chats");
    var header = el("div", { class: "chat-title" });
    var messages = el("ol", { class: "messages", "data-console": "messages", "aria-live": "polite" });
    var typing = el("div", { class: "typing small muted", "data-console": "typing", hidden: true });
    var receipt = el("div", { class: "receipt-line small muted", "data-console": "receipt" });
    var handoff = el("details", { class: "info-block", "data-console": "handoff", open: true },
      el("summary", { text: t("handoff") }), el("div", { class: "info-body muted small", text: "…" }));
    var profile = el("details", { class: "info-block", "data-console": "profile", open: true },
      el("summary", { text: t("profile") }), el("div", { class: "info-body muted small", text: "…" }));
    var notes = el("details", { class: "info-block", "data-console": "notes", hidden: true },
      el("summary", { text: t("notes") }), el("div", { class: "info-body" }));
    var info = el("div", { class: "chat-info" }, handoff, profile, notes);

    // composer
    var input = el("textarea", { class: "composer-input needs-live", "data-console": "input", rows: "2",
      maxlength: String(MAX_TEXT), placeholder: t("placeholder"), "aria-label": t("placeholder") });
    var noteToggle = el("input", { type: "checkbox", class: "needs-live", "data-console": "note-toggle" });
    var sendButton = el("button", { type: "button", class: "btn btn-primary needs-live", "data-console": "send", text: t("send") });
    var canned = el("select", { class: "needs-live", "data-console": "canned", "aria-label": t("canned") });
    fillCanned(canned, chat);
    var composer = el("div", { class: "composer" },
      input,
      el("div", { class: "composer-row" },
        el("label", { class: "note-label small" }, noteToggle, " ", t("internal_note")),
        canned,
        el("span", { class: "console-spacer" }),
        sendButton));

    // actions
    var target = el("select", { name: "target", class: "needs-live", "data-console": "transfer-target", "aria-label": t("transfer_to") });
    fillTargets(target);
    var transferNote = el("input", { type: "text", name: "note", class: "needs-live", "data-console": "transfer-note",
      maxlength: "500", placeholder: t("transfer_note"), "aria-label": t("transfer_note") });
    var transferForm = el("form", { class: "action-row transfer-form", "data-console": "transfer" },
      target, transferNote,
      el("button", { type: "submit", class: "btn btn-small needs-live", "data-console": "transfer-submit", text: t("transfer") }));
    var resolution = el("select", { class: "needs-live", "data-console": "resolution", "aria-label": t("resolution") },
      el("option", { value: "", text: t("resolution") }),
      RESOLUTIONS.map(function (r) { return el("option", { value: r, text: resolutionLabel(r) }); }));
    var ticketButton = el("button", { type: "button", class: "btn btn-small needs-live", "data-console": "ticket", "aria-pressed": "false", text: t("ticket") });
    var endButton = el("button", { type: "button", class: "btn btn-small btn-danger needs-live", "data-console": "end", text: t("end") });
    var dismiss = el("button", { type: "button", class: "btn btn-small chat-dismiss", "data-console": "dismiss", hidden: true, text: t("dismiss"),
      onclick: function () { removeChat(chat.id); } });
    var transcript = el("a", { class: "small transcript-link", "data-console": "transcript", hidden: true, target: "_blank", rel: "noopener", text: t("transcript") });
    var actions = el("div", { class: "chat-actions" },
      transferForm,
      el("div", { class: "action-row" }, ticketButton, el("span", { class: "console-spacer" }), resolution, endButton));
    var banner = el("div", { class: "chat-banner", "data-console": "banner", hidden: true });

    var pane = el("article", { class: "chat-pane", "data-console": "chat", "data-conversation": chat.id, "data-state": chat.state },
      el("header", { class: "chat-header" }, header, transcript, dismiss),
      info, banner, messages, typing, receipt, composer, actions);

    chat.pane = pane; chat.header = header; chat.list = messages; chat.typingNode = typing; chat.receiptNode = receipt;
    chat.handoffNode = handoff; chat.profileNode = profile; chat.notesNode = notes; chat.banner = banner;
    chat.input = input; chat.noteToggle = noteToggle; chat.transcriptLink = transcript; chat.ticketButton = ticketButton;

    noteToggle.addEventListener("change", function () {
      pane.classList.toggle("note-mode", noteToggle.checked);
      input.placeholder = noteToggle.checked ? t("placeholder_note") : t("placeholder");
      sendButton.textContent = noteToggle.checked ? t("add_note") : t("send");
      if (noteToggle.checked) { typingOff(chat); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        sendText(chat);
      }
    });
    input.addEventListener("input", function () { typingOn(chat); });
    input.addEventListener("blur", function () { if (!input.value.trim()) { typingOff(chat); } });
    input.addEventListener("focus", function () { markRead(chat); });
    sendButton.addEventListener("click", function () { sendText(chat); });
    canned.addEventListener("change", function () {
      var id = canned.value;
      canned.value = "";
      if (id) { sendCanned(chat, id); }
    });
    transferForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var v = target.value;
      if (!v) { toast(t("need_target"), "error"); target.focus(); return; }
      var frame = { type: "transfer", conversation: chat.id, note: transferNote.value.trim() };
      var sep = v.indexOf(":");
      var kind = v.slice(0, sep), value = v.slice(sep + 1);
      if (kind === "team") { frame.team = value; } else { frame.agent = Number(value); }
      if (!send(frame)) { toast(t("not_connected"), "error"); return; }
      transferNote.value = "";
      target.value = "";
    });
    ticketButton.addEventListener("click", function () {
      if (!send({ type: "ticket", conversation: chat.id })) { toast(t("not_connected"), "error"); return; }
      chat.ticketRequested = true;
      ticketButton.setAttribute("aria-pressed", "true");
      ticketButton.textContent = t("ticket_requested");
      if (!resolution.value) { resolution.value = "transferred_to_ticket"; }
    });
    endButton.addEventListener("click", function () {
      if (!resolution.value) { toast(t("need_resolution"), "error"); resolution.focus(); return; }
      if (!send({ type: "end", conversation: chat.id, resolution: resolution.value })) { toast(t("not_connected"), "error"); }
    });
    pane.addEventListener("click", function () { markRead(chat); });
    messages.addEventListener("scroll", function () { if (nearBottom(messages)) { markRead(chat); } });

    if (container) { container.appendChild(pane); }
  }

  function fillCanned(select, chat) {
    select.appendChild(el("option", { value: "", text: t("canned") }));
    var replies = (DATA.canned || []).slice();
    var lang = chat.summary.language;
    var groups = {};
    replies.forEach(function (r) { (groups[r.language || ""] = groups[r.language || ""] || []).push(r); });
    var langs = Object.keys(groups).sort(function (a, b) {
      return (a === lang ? -1 : 0) - (b === lang ? -1 : 0) || a.localeCompare(b);
    });
    langs.forEach(function (l) {
      var group = el("optgroup", { label: l || "—" });
      groups[l].forEach(function (r) {
        group.appendChild(el("option", { value: String(r.id), title: r.body || "", text: r.title }));
      });
      select.appendChild(group);
    });
  }

  function fillTargets(select) {
    select.appendChild(el("option", { value: "", text: t("transfer_to") }));
    var teams = DATA.teams || [];
    if (teams.length) {
      select.appendChild(el("optgroup", { label: t("teams") },
        teams.map(function (tm) { return el("option", { value: "team:" + tm.slug, text: tm.name }); })));
    }
    var agents = (DATA.agents || []).filter(function (a) { return a.id !== ME.id; });
    if (agents.length) {
      select.appendChild(el("optgroup", { label: t("agents") },
        agents.map(function (a) { return el("option", { value: "agent:" + a.id, text: a.name }); })));
    }
  }

  // ---------------------------------------------------------------- details (profile, hand-over)

  function onChatDetails(chat, frame) {
    if (frame.state) { setState(chat, frame.state); }
    ["number", "language", "priority"].forEach(function (k) {
      if (frame[k] !== undefined && frame[k] !== null && frame[k] !== "") { chat.summary[k] = frame[k]; }
    });
    if (frame.customer && typeof frame.customer === "object" && !chat.summary.customer) {
      chat.summary.customer = frame.customer;
    }
    renderHeader(chat); renderTab(chat);
    if (frame.customer_read_seq || frame.customer_delivered_seq) {
      onReceipt(chat, { reader: "customer", read_seq: frame.customer_read_seq || 0,
        delivered_seq: frame.customer_delivered_seq || frame.customer_read_seq || 0 });
    }
    renderHandoff(chat, frame.handoff);
    renderProfile(chat, frame.customer);
    var notesBody = chat.notesNode.querySelector(".info-body");
    clear(notesBody);
    var notes = frame.notes;
    var hasNotes = notes !== undefined && notes !== null && notes !== "" && !(Array.isArray(notes) && !notes.length);
    chat.notesNode.hidden = !hasNotes;
    if (hasNotes) {
      if (Array.isArray(notes)) {
        notesBody.appendChild(el("ul", { class: "plain-list" }, notes.map(function (n) {
          if (n && typeof n === "object") {
            return el("li", { class: "note-item" },
              n.text !== undefined ? el("span", { text: String(n.text) }) : renderValue(n, 1),
              n.name || n.author ? el("span", { class: "muted small", text: " — " + (n.name || n.author) }) : null,
              n.created_at ? el("span", { class: "muted small", text: " " + when(n.created_at) }) : null);
          }
          return el("li", { class: "note-item", text: String(n) });
        })));
      } else {
        notesBody.appendChild(renderValue(notes, 1));
      }
    }
    var url = frame.transcript_url ? safeUrl(frame.transcript_url) : null;
    chat.transcriptLink.hidden = !url;
    if (url) { chat.transcriptLink.href = url; }
  }

  function renderHandoff(chat, handoff) {
    var box = chat.handoffNode.querySelector(".info-body");
    clear(box);
    box.className = "info-body";
    if (!handoff || typeof handoff !== "object" || !Object.keys(handoff).length) {
      box.appendChild(el("span", { class: "muted small", text: t("none") }));
      return;
    }
    // The summary may be flat or nested under "summary"; show both the same way.
    var h = {};
    if (handoff.summary && typeof handoff.summary === "object" && !Array.isArray(handoff.summary)) {
      Object.keys(handoff.summary).forEach(function (k) { h[k] = handoff.summary[k]; });
    }
    Object.keys(handoff).forEach(function (k) { if (k !== "summary" || typeof handoff.summary !== "object") { h[k] = handoff[k]; } });
    var shown = {};
    var dl = el("dl", { class: "kv" });
    function row(key, node) {
      shown[key] = true;
      dl.appendChild(el("dt", { text: label(key) }));
      dl.appendChild(el("dd", { "data-key": key }, node));
    }
    if (h.reason) { row("reason", el("span", { class: "handoff-reason", text: String(h.reason) })); }
    if (h.priority) { row("priority", el("span", { class: "badge badge-" + h.priority, text: String(h.priority) })); }
    if (h.intent) { row("intent", el("span", { text: String(h.intent) })); }
    shown.reason = shown.priority = shown.intent = true;
    box.appendChild(dl);

    var entities = Array.isArray(h.entities) ? h.entities : [];
    shown.entities = true;
    if (entities.length) {
      box.appendChild(el("div", { class: "info-sub", text: t("entities") }));
      box.appendChild(el("ul", { class: "entities", "data-console": "entities" }, entities.map(function (e) {
        if (!e || typeof e !== "object") { return el("li", { class: "entity" }, el("code", { text: String(e) })); }
        return el("li", { class: "entity", "data-kind": e.kind || "" },
          el("span", { class: "entity-kind", text: String(e.kind || "") }),
          el("code", { class: "entity-value", text: typeof e.value === "object" ? JSON.stringify(e.value) : String(e.value) }));
      })));
    }
    var last = Array.isArray(h.last_messages) ? h.last_messages : [];
    shown.last_messages = true;
    if (last.length) {
      box.appendChild(el("div", { class: "info-sub", text: t("last_messages") }));
      box.appendChild(el("ol", { class: "last-messages" }, last.map(function (m) {
        if (m && typeof m === "object") {
          return el("li", null, m.author ? el("span", { class: "muted", text: label(m.author) + ": " }) : null,
            el("span", { text: String(m.text !== undefined ? m.text : JSON.stringify(m)) }));
        }
        return el("li", { text: String(m) });
      })));
    }
    var rest = Object.keys(h).filter(function (k) {
      if (shown[k] || k === "customer") { return false; }
      var v = h[k];
      return !(v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length));
    });
    if (rest.length) { box.appendChild(renderDl(h, rest, 1)); }
  }

  var PROFILE_FIRST = ["display_name", "name", "uid", "exchange_uid", "vip_tier", "kyc_level", "status",
    "frozen_reason", "country", "language", "registered_at"];

  function renderProfile(chat, customer) {
    var box = chat.profileNode.querySelector(".info-body");
    clear(box);
    box.className = "info-body";
    if (!customer || typeof customer !== "object") {
      box.appendChild(el("span", { class: "muted", text: customer ? String(customer) : t("anonymous") }));
      return;
    }
    // a nested {"profile": {...}, "deposits": [...]} shape is flattened one level
    var c = {};
    Object.keys(customer).forEach(function (k) {
      var v = customer[k];
      if (k === "profile" && v && typeof v === "object" && !Array.isArray(v)) {
        Object.keys(v).forEach(function (kk) { c[kk] = v[kk]; });
      } else { c[k] = v; }
    });
    var badges = el("div", { class: "profile-badges" });
    if (c.vip_tier !== undefined && c.vip_tier !== null) {
      badges.appendChild(el("span", { class: "badge badge-vip" + (Number(c.vip_tier) > 0 ? " is-vip" : ""), "data-key": "vip_tier", text: "VIP " + c.vip_tier }));
    }
    if (c.kyc_level !== undefined && c.kyc_level !== null) {
      badges.appendChild(el("span", { class: "badge badge-kyc", "data-key": "kyc_level", text: "KYC " + c.kyc_level }));
    }
    if (c.status && c.status !== "active" && c.status !== "normal") {
      badges.appendChild(el("span", { class: "badge badge-urgent", text: String(c.status) }));
    }
    if (badges.firstChild) { box.appendChild(badges); }
    var scalars = [], lists = [];
    var keys = PROFILE_FIRST.filter(function (k) { return k in c; });
    Object.keys(c).forEach(function (k) { if (keys.indexOf(k) < 0) { keys.push(k); } });
    keys.forEach(function (k) {
      if (Array.isArray(c[k]) || (c[k] && typeof c[k] === "object")) { lists.push(k); } else { scalars.push(k); }
    });
    box.appendChild(renderDl(c, scalars, 1));
    lists.forEach(function (k) {
      box.appendChild(el("div", { class: "info-sub", "data-key": k, text: label(k) }));
      box.appendChild(renderValue(c[k], 1));
    });
  }

  // ---------------------------------------------------------------- messages

  function nearBottom(list) { return list.scrollHeight - list.scrollTop - list.clientHeight < 60; }

  function authorLabel(frame) {
    var key = "author_" + frame.author;
    return frame.name ? String(frame.name) : (has(key) ? t(key) : String(frame.author || ""));
  }

  function messageNode(frame, pending) {
    var internal = !!frame.internal;
    var node = el("li", { class: "msg msg-" + (frame.author || "system") + (internal ? " msg-internal" : "") + (pending ? " msg-pending" : ""),
      "data-author": frame.author || "system" });
    fillMessage(node, frame, pending);
    return node;
  }

  function fillMessage(node, frame, pending) {
    clear(node);
    var internal = !!frame.internal;
    node.setAttribute("data-author", frame.author || "system");
    node.className = "msg msg-" + (frame.author || "system");
    node.classList.toggle("msg-internal", internal);
    node.classList.toggle("msg-pending", !!pending);
    if (internal) { node.setAttribute("data-internal", "true"); } else { node.removeAttribute("data-internal"); }
    if (frame.kind) { node.setAttribute("data-kind", frame.kind); }
    var meta = el("div", { class: "msg-meta" },
      el("span", { class: "msg-author", text: authorLabel(frame) }),
      internal ? el("span", { class: "badge badge-note", text: t("note_badge") }) : null,
      frame.created_at ? el("time", { datetime: frame.created_at, text: when(frame.created_at) }) : null,
      frame.seq ? el("span", { class: "msg-seq", text: "#" + frame.seq }) : null);
    node.appendChild(meta);
    if (frame.text) { node.appendChild(el("div", { class: "msg-text", text: String(frame.text) })); }
    var att = frame.attachment;
    if (att) {
      var url = typeof att === "object" ? safeUrl(att.url || "") : null;
      var name = typeof att === "object" ? (att.name || att.id || "attachment") : String(att);
      if (url) {
        node.appendChild(el("a", { class: "msg-attachment", href: url, target: "_blank", rel: "noopener" },
          /^image\//.test(att.content_type || "image/") ? el("img", { src: url, alt: String(name), loading: "lazy" }) : String(name)));
      } else {
        node.appendChild(el("div", { class: "msg-attachment small muted", text: "📎 " + name }));
      }
    }
    var status = el("div", { class: "msg-status small", "data-console": "status" });
    node.appendChild(status);
    if (pending) { status.textContent = t("pending"); }
  }

  function insertMessage(chat, node, seq) {
    var list = chat.list;
    var stick = nearBottom(list);
    // confirmed messages are kept in seq order, pending ones stay at the end
    var before = null;
    for (var child = list.lastElementChild; child; child = child.previousElementSibling) {
      var s = Number(child.getAttribute("data-seq") || 0);
      if (!s) { before = child; continue; }
      if (s > seq) { before = child; continue; }
      break;
    }
    list.insertBefore(node, before);
    if (stick || node.getAttribute("data-author") === "agent") { list.scrollTop = list.scrollHeight; }
  }

  function onMessage(chat, frame) {
    var seq = Number(frame.seq) || 0;
    if (!seq) { return; }
    var seen = chat.messages[seq];
    if (seen) {
      // seen already (resent backlog); an own message known only from its ack gets the server's text
      if (frame.client_id && chat.byClient[frame.client_id] === seen && !seen.hasAttribute("data-stored")) {
        fillMessage(seen, frame, false);
        seen.setAttribute("data-stored", "true");
        if (frame.author === "agent" && !frame.internal) { paintReceipt(chat, seen, seq); }
      }
      return;
    }
    var node = frame.client_id ? chat.byClient[frame.client_id] : null;
    if (node) {
      // our own message came back: the pending bubble becomes the stored message
      dropPending(chat, frame.client_id);
      fillMessage(node, frame, false);
      node.remove();
    } else {
      node = messageNode(frame, false);
      if (frame.client_id) { chat.byClient[frame.client_id] = node; }
    }
    node.setAttribute("data-seq", String(seq));
    node.setAttribute("data-stored", "true");
    chat.messages[seq] = node;
    if (seq > chat.maxSeq) { chat.maxSeq = seq; }
    if (frame.author !== "agent" && seq > chat.maxOtherSeq) { chat.maxOtherSeq = seq; }
    insertMessage(chat, node, seq);
    if (frame.author === "agent" && !frame.internal) { paintReceipt(chat, node, seq); }
    if (frame.author === "customer") {
      hideTyping(chat);
      if (!markRead(chat)) { chat.unread += 1; renderTab(chat); updateCounts(); }
    }
  }

  function onAck(chat, frame) {
    var seq = Number(frame.seq) || 0;
    var node = chat.byClient[frame.client_id];
    dropPending(chat, frame.client_id);
    if (!node || !seq) { return; }
    if (chat.messages[seq] && chat.messages[seq] !== node) { node.remove(); return; }
    node.classList.remove("msg-pending");
    if (!node.getAttribute("data-seq")) {
      node.setAttribute("data-seq", String(seq));
      chat.messages[seq] = node;
      if (seq > chat.maxSeq) { chat.maxSeq = seq; }
      node.remove();
      insertMessage(chat, node, seq);
    }
    if (node.getAttribute("data-author") === "agent" && !node.classList.contains("msg-internal")) {
      paintReceipt(chat, node, seq);
    } else {
      var status = node.querySelector('[data-console="status"]');
      if (status) { status.textContent = ""; }
    }
  }

  function ackAnywhere(frame) {
    Object.keys(chats).forEach(function (id) { if (chats[id].byClient[frame.client_id]) { onAck(chats[id], frame); } });
  }

  function dropPending(chat, clientId) {
    chat.pending = chat.pending.filter(function (p) { return p.frame.client_id !== clientId; });
  }

  function failPending(clientId, text) {
    Object.keys(chats).forEach(function (id) {
      var chat = chats[id];
      chat.pending.forEach(function (p) {
        if (p.frame.client_id !== clientId) { return; }
        p.failed = true;
        p.node.classList.add("msg-failed");
        var status = p.node.querySelector('[data-console="status"]');
        if (!status) { return; }
        clear(status);
        status.appendChild(el("span", { class: "error", text: t("failed") + (text ? " — " + text : "") }));
        status.appendChild(el("button", { type: "button", class: "btn-link", "data-console": "retry", text: t("retry"),
          onclick: function () {
            p.failed = false;
            p.node.classList.remove("msg-failed");
            status.textContent = t("pending");
            send(p.frame);
          } }));
      });
    });
  }

  function queueOwn(chat, frame, preview) {
    var node = messageNode(preview, true);
    chat.byClient[frame.client_id] = node;
    chat.pending.push({ frame: frame, node: node, failed: false });
    chat.list.appendChild(node);
    chat.list.scrollTop = chat.list.scrollHeight;
    // Sent now if connected; otherwise resent with the same client_id after the next welcome.
    if (connected()) { send(frame); }
  }

  function sendText(chat) {
    if (chat.state === "ended") { return; }
    var text = chat.input.value.trim();
    if (!text) { return; }
    if (text.length > MAX_TEXT) { toast(t("text_too_long"), "error"); return; }
    var internal = chat.noteToggle.checked;
    var frame = { type: "message", conversation: chat.id, client_id: uuid(), text: text, internal: internal };
    queueOwn(chat, frame, { author: "agent", name: ME.name, text: text, internal: internal });
    chat.input.value = "";
    if (!internal) { typingOff(chat); }
    chat.input.focus();
  }

  function sendCanned(chat, replyId) {
    var reply = (DATA.canned || []).filter(function (r) { return String(r.id) === String(replyId); })[0];
    var frame = { type: "canned", conversation: chat.id, client_id: uuid(), reply: Number(replyId) };
    queueOwn(chat, frame, { author: "agent", name: ME.name, text: reply ? reply.body : "", kind: "canned" });
  }

  // ---------------------------------------------------------------- typing and receipts

  function typingOn(chat) {
    if (chat.noteToggle.checked || !chat.input.value.trim()) {
      if (!chat.input.value.trim()) { typingOff(chat); }
      return;
    }
    var now = Date.now();
    if (now - chat.typingSentAt > 3000) {
      if (send({ type: "typing", conversation: chat.id, active: true })) { chat.typingSentAt = now; }
    }
    clearTimeout(chat.typingOffTimer);
    chat.typingOffTimer = setTimeout(function () { typingOff(chat); }, 5000);
  }

  function typingOff(chat) {
    clearTimeout(chat.typingOffTimer);
    if (chat.typingSentAt) {
      chat.typingSentAt = 0;
      send({ type: "typing", conversation: chat.id, active: false });
    }
  }

  function markTypingOff() {
    Object.keys(chats).forEach(function (id) { chats[id].typingSentAt = 0; hideTyping(chats[id]); });
  }

  function onTyping(chat, frame) {
    if (frame.author === "agent" && (frame.agent === ME.id || frame.name === ME.name)) { return; }
    if (!frame.active) { hideTyping(chat); return; }
    var who = frame.name || (has("author_" + frame.author) ? t("author_" + frame.author) : frame.author);
    chat.typingNode.textContent = t("typing", { who: who });
    chat.typingNode.hidden = false;
    chat.typingNode.setAttribute("data-author", frame.author || "");
    clearTimeout(chat.typingShowTimer);
    chat.typingShowTimer = setTimeout(function () { hideTyping(chat); }, 8000);
  }

  function hideTyping(chat) {
    clearTimeout(chat.typingShowTimer);
    if (chat.typingNode) { chat.typingNode.hidden = true; }
  }

  // Read receipts go out for what is actually on screen: page visible and the chat's list
  // scrolled to the end. Returns true when everything up to maxSeq counts as read.
  function markRead(chat) {
    if (chat.watching || document.visibilityState !== "visible" || !chat.list || !nearBottom(chat.list)) { return false; }
    if (chat.unread) { chat.unread = 0; renderTab(chat); updateCounts(); }
    if (chat.maxOtherSeq > chat.readSent && chat.state !== "ended" && !chat.readTimer) {
      // coalesced, so that a backlog of twenty messages sends one receipt
      chat.readTimer = setTimeout(function () {
        chat.readTimer = null;
        if (chats[chat.id] !== chat || chat.maxOtherSeq <= chat.readSent || chat.state === "ended") { return; }
        if (send({ type: "read", conversation: chat.id, seq: chat.maxOtherSeq })) { chat.readSent = chat.maxOtherSeq; }
      }, 250);
    }
    return true;
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { Object.keys(chats).forEach(function (id) { markRead(chats[id]); }); }
  });
  window.addEventListener("focus", function () { Object.keys(chats).forEach(function (id) { markRead(chats[id]); }); });

  function onReceipt(chat, frame) {
    if (frame.reader && frame.reader !== "customer") { return; }
    chat.customerDelivered = Math.max(chat.customerDelivered, Number(frame.delivered_seq) || 0);
    chat.customerRead = Math.max(chat.customerRead, Number(frame.read_seq) || 0);
    Object.keys(chat.messages).forEach(function (seq) {
      var node = chat.messages[seq];
      if (node.getAttribute("data-author") === "agent" && !node.classList.contains("msg-internal")) {
        paintReceipt(chat, node, Number(seq));
      }
    });
    chat.receiptNode.textContent = chat.customerRead ? t("customer_read_to", { seq: chat.customerRead }) : "";
    chat.receiptNode.setAttribute("data-read-seq", String(chat.customerRead));
    chat.receiptNode.setAttribute("data-delivered-seq", String(chat.customerDelivered));
  }

  function paintReceipt(chat, node, seq) {
    var status = node.querySelector('[data-console="status"]');
    if (!status) { return; }
    var state = seq <= chat.customerRead ? "read" : seq <= chat.customerDelivered ? "delivered" : "sent";
    node.setAttribute("data-receipt", state);
    status.textContent = (state === "read" ? "✓✓ " : state === "delivered" ? "✓✓ " : "✓ ") + t(state);
  }

  // ---------------------------------------------------------------- ended

  function onEnded(chat, frame) {
    typingOff(chat);
    hideTyping(chat);
    setState(chat, "ended");
    var by = frame.by && has("by_" + frame.by) ? t("by_" + frame.by) : (frame.by || "");
    var text = t("ended_by", { by: by }) + (frame.resolution ? " · " + resolutionLabel(frame.resolution) : "");
    chat.banner.textContent = text;
    chat.banner.hidden = false;
    chat.pane.setAttribute("data-ended-by", frame.by || "");
    if (frame.resolution) { chat.pane.setAttribute("data-resolution", frame.resolution); }
    // unsent messages can no longer go anywhere
    chat.pending.forEach(function (p) {
      p.failed = true;
      p.node.classList.add("msg-failed");
      var s = p.node.querySelector('[data-console="status"]');
      if (s) { s.textContent = t("failed"); }
    });
    chat.pending = [];
  }

  // ================================================================= wall

  var wallQueues = [];
  var wallAgents = [];

  function onWall(frame) {
    if (frame.queues) { wallQueues = frame.queues; }
    if (frame.agents) { wallAgents = frame.agents; }
    renderWallQueues();
    renderWallAgents();
    renderWallTotals();
    var updated = hook("wall-updated");
    if (updated) {
      clear(updated);
      updated.appendChild(el("span", { text: t("updated", { t: when(new Date().toISOString()) }) }));
    }
  }

  function renderWallQueues() {
    var tbody = hook("wall-queues");
    if (!tbody) { return; }
    clear(tbody);
    if (!wallQueues.length) {
      tbody.appendChild(el("tr", { class: "wall-placeholder" }, el("td", { colspan: "6", class: "muted", text: t("no_queues") })));
      return;
    }
    wallQueues.forEach(function (q) {
      var waiting = Number(q.waiting) || 0;
      var online = Number(q.agents_online) || 0;
      var oldest = waiting ? clock(q.oldest_wait_seconds, "") : el("span", { class: "muted", text: t("none") });
      if (waiting) { oldest.setAttribute("data-warn", "120"); tickNode(oldest, Date.now()); }
      var row = el("tr", { "data-queue": q.slug, "data-waiting": String(waiting),
          class: (waiting && !online ? "alert " : "") + (waiting ? "has-waiting" : "") },
        el("th", { scope: "row" }, el("span", { text: q.name || q.slug }), el("div", { class: "muted small", text: q.slug || "" })),
        el("td", { text: typeof q.team === "object" && q.team ? (q.team.name || q.team.slug) : (q.team || "—") }),
        el("td", { text: q.language || "—" }),
        el("td", { class: "num", "data-key": "waiting" }, el("span", { class: "big-num", text: String(waiting) })),
        el("td", { class: "num", "data-key": "oldest_wait" }, oldest),
        el("td", { class: "num", "data-key": "agents_online", text: String(online) }));
      tbody.appendChild(row);
    });
  }

  var PRESENCE_RANK = { online: 0, away: 1, offline: 2 };

  function renderWallAgents() {
    var tbody = hook("wall-agents");
    if (!tbody) { return; }
    clear(tbody);
    if (!wallAgents.length) {
      tbody.appendChild(el("tr", { class: "wall-placeholder" }, el("td", { colspan: "4", class: "muted", text: t("none") })));
      return;
    }
    var agents = wallAgents.slice().sort(function (a, b) {
      var ra = PRESENCE_RANK[a.presence] !== undefined ? PRESENCE_RANK[a.presence] : 3;
      var rb = PRESENCE_RANK[b.presence] !== undefined ? PRESENCE_RANK[b.presence] : 3;
      return ra - rb || String(a.name).localeCompare(String(b.name));
    });
    agents.forEach(function (a) {
      var load = Number(a.load) || 0;
      var cap = Number(a.capacity) || 0;
      var pct = cap ? Math.min(100, Math.round((load / cap) * 100)) : 0;
      var presenceKey = "presence_" + a.presence;
      var idle = a.idle_seconds === null || a.idle_seconds === undefined
        ? el("span", { class: "muted", text: t("none") }) : clock(a.idle_seconds, "");
      if (a.idle_seconds !== null && a.idle_seconds !== undefined && a.presence === "online") {
        idle.setAttribute("data-warn", "600"); tickNode(idle, Date.now());
      }
      tbody.appendChild(el("tr", { "data-agent": String(a.id), "data-presence": a.presence || "" },
        el("th", { scope: "row", text: a.name || String(a.id) }),
        el("td", { "data-key": "presence" },
          el("span", { class: "dot dot-" + (a.presence || "offline"), "aria-hidden": "true" }),
          " ", has(presenceKey) ? t(presenceKey) : String(a.presence || "")),
        el("td", { "data-key": "load" },
          el("div", { class: "load" + (cap && load >= cap ? " full" : "") },
            el("div", { class: "load-bar", role: "meter", "aria-valuemin": "0", "aria-valuemax": String(cap), "aria-valuenow": String(load) },
              el("span", { class: "load-fill", "data-pct": String(pct) })),
            el("span", { class: "load-text", text: t("cap", { load: load, capacity: cap }) }))),
        el("td", { class: "num", "data-key": "idle" }, idle)));
    });
    // widths set through CSSOM, which a strict style-src CSP allows (unlike style attributes)
    tbody.querySelectorAll(".load-fill").forEach(function (fill) { fill.style.width = fill.getAttribute("data-pct") + "%"; });
  }

  function renderWallTotals() {
    var box = hook("wall-totals");
    if (!box) { return; }
    var waiting = 0;
    wallQueues.forEach(function (q) { waiting += Number(q.waiting) || 0; });
    var online = wallAgents.filter(function (a) { return a.presence === "online"; }).length;
    var chatsInProgress = 0;
    wallAgents.forEach(function (a) { chatsInProgress += Number(a.load) || 0; });
    clear(box);
    box.appendChild(el("div", { class: "total" }, el("span", { class: "big-num", "data-key": "waiting", text: String(waiting) }), el("span", { class: "muted", text: t("col_waiting") })));
    box.appendChild(el("div", { class: "total" }, el("span", { class: "big-num", "data-key": "online", text: String(online) }), el("span", { class: "muted", text: t("col_agents_online") })));
    box.appendChild(el("div", { class: "total" }, el("span", { class: "big-num", "data-key": "load", text: String(chatsInProgress) }), el("span", { class: "muted", text: t("chats_in_progress") })));
  }

  // ================================================================= start

  translateShell();
  if (MODE === "console") { setupPresence(); updateCounts(); }
  connect();
})();
