/* baseline.js: the benchmark's DOM baseline. The seed's BuildingOSWebSocketClient
   (../shared/seed/websocket-proposal.md, "Modern WebSocket Chat Client") with its frame shapes, heartbeat
   and backoff, rendering plain DOM bubbles, plus the automation subset scripts/bench drives on both pages:
   window.BuildingOS.state() / messages() / send(), and the buildingos:ready / status / message events.
   Deliberate differences from the seed, so the baseline is a fair one rather than a strawman:
   - no console.log per frame (a page that logs every message pays for it in DevTools, not in the DOM);
   - scroll-to-bottom once per animation frame instead of once per message (no layout per message);
   - history capped at 10,000 messages like the product (kHistoryMaxMessages);
   - one Intl.DateTimeFormat for every bubble's time (toLocaleTimeString builds one per call). */
// Index
//   [SECTION] the seed's client   frames, heartbeat, backoff, as the proposal has them
//   [SECTION] the page            DOM bubbles, the automation subset, the endpoint
(function () {
  'use strict';
  var HISTORY_MAX = 10000;

  // [SECTION] the seed's client -----------------------------------------------------------------------------
  function Client(config) {
    this.config = config;
    this.websocket = null;
    this.isConnected = false;
    this.messageQueue = [];
    this.reconnectAttempts = 0;
    this.maxReconnectAttempts = 5;
    this.reconnectDelay = 1000;
    this.heartbeatInterval = null;
    this.connectionId = null;
    this.closedByUser = false;
    this.onMessageReceived = null;
    this.onConnectionStatus = null;
    this.onTypingIndicator = null;
    this.onAck = null;
  }

  Client.prototype.connect = function () {
    var self = this;
    var url = this.config.websocketEndpoint + '?user_id=' + encodeURIComponent(this.config.userId) +
      '&session_id=' + encodeURIComponent(this.config.sessionId);
    this.closedByUser = false;
    this.notifyConnectionStatus(this.reconnectAttempts ? 'reconnecting' : 'connecting');
    var ws = new WebSocket(url);
    this.websocket = ws;
    var timeout = setTimeout(function () { ws.close(); }, 10000);
    ws.onopen = function () {
      clearTimeout(timeout);
      self.isConnected = true;
      self.reconnectAttempts = 0;
      self.reconnectDelay = 1000;
      self.startHeartbeat();
      self.processMessageQueue();
      self.notifyConnectionStatus('connected');
    };
    ws.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message && typeof message === 'object') self.handleMessage(message);
    };
    ws.onclose = function (event) {
      clearTimeout(timeout);
      if (self.websocket !== ws) return;
      self.isConnected = false;
      self.stopHeartbeat();
      if (self.closedByUser) self.notifyConnectionStatus('closed');
      else if (event.code !== 1000) self.handleReconnection();
    };
    ws.onerror = function () { clearTimeout(timeout); };
  };

  Client.prototype.handleMessage = function (message) {
    switch (message.type) {
      case 'ack': if (this.onAck) this.onAck(message); break;
      case 'message':
        if (this.onMessageReceived) {
          this.onMessageReceived({ role: 'assistant', message: message.message, timestamp: message.timestamp });
        }
        break;
      case 'notification':
        if (this.onMessageReceived) {
          this.onMessageReceived({ role: 'notification', message: message.message, timestamp: message.timestamp,
            priority: message.priority || 'normal' });
        }
        break;
      case 'typing': if (this.onTypingIndicator) this.onTypingIndicator(!!message.typing); break;
      case 'status':
        if (message.connectionId) this.connectionId = String(message.connectionId);
        this.notifyConnectionStatus(this.isConnected ? 'connected' : 'connecting');
        break;
      case 'error':
        if (this.onMessageReceived) {
          this.onMessageReceived({ role: 'error', message: message.message || 'Erro no servidor', timestamp: message.timestamp });
        }
        break;
      case 'heartbeat': break;
      default: break;
    }
  };

  // The seed's frame: {action, message, timestamp, user_id, session_id} (no client_msg_id).
  Client.prototype.sendMessage = function (messageText) {
    var message = {
      action: 'sendMessage',
      message: messageText.trim(),
      timestamp: Date.now(),
      user_id: this.config.userId,
      session_id: this.config.sessionId
    };
    if (this.isConnected) {
      try {
        this.websocket.send(JSON.stringify(message));
        return true;
      } catch (e) {
        this.messageQueue.push(message);
        return false;
      }
    }
    this.messageQueue.push(message);
    this.handleReconnection();
    return false;
  };

  Client.prototype.handleReconnection = function () {
    var self = this;
    if (this.retryTimer || this.isConnected) return;
    if (this.reconnectAttempts >= this.maxReconnectAttempts) {
      this.notifyConnectionStatus('failed');
      return;
    }
    this.reconnectAttempts++;
    this.notifyConnectionStatus('reconnecting');
    this.retryTimer = setTimeout(function () {
      self.retryTimer = null;
      self.reconnectDelay = Math.min(self.reconnectDelay * 2, 30000);
      self.connect();
    }, this.reconnectDelay);
  };

  Client.prototype.startHeartbeat = function () {
    var self = this;
    this.stopHeartbeat();
    this.heartbeatInterval = setInterval(function () {
      if (self.isConnected) self.websocket.send(JSON.stringify({ action: 'heartbeat', timestamp: Date.now() }));
    }, 30000);
  };

  Client.prototype.stopHeartbeat = function () {
    if (this.heartbeatInterval) clearInterval(this.heartbeatInterval);
    this.heartbeatInterval = null;
  };

  Client.prototype.processMessageQueue = function () {
    while (this.messageQueue.length > 0 && this.isConnected) {
      this.websocket.send(JSON.stringify(this.messageQueue.shift()));
    }
  };

  Client.prototype.notifyConnectionStatus = function (status) {
    this.status = status;
    if (this.onConnectionStatus) this.onConnectionStatus(status);
  };

  Client.prototype.disconnect = function () {
    this.closedByUser = true;
    this.stopHeartbeat();
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = null; }
    this.isConnected = false;
    if (this.websocket) this.websocket.close(1000, 'Client disconnect');
    this.notifyConnectionStatus('closed');
  };

  // [SECTION] the page --------------------------------------------------------------------------------------
  var listEl = document.getElementById('messages');
  var statusEl = document.getElementById('status');
  var typingEl = document.getElementById('typing');
  var inputEl = document.getElementById('input');
  var STATUS_TEXT = { connecting: 'Conectando...', connected: '\uD83D\uDFE2 Conectado em tempo real',
    reconnecting: 'Reconectando...', failed: 'Falha na conex\u00e3o. Recarregue a p\u00e1gina.', closed: 'Desconectado' };

  var timeFormat = new Intl.DateTimeFormat('pt-BR', { hour: '2-digit', minute: '2-digit' });  // one, not one per bubble
  var history = [];        // {id, role, text, state, timestamp, el}
  var nextId = 1;
  var awaitingAck = [];    // the resident's messages in sending order (the seed's ack has no id)
  var awaitingAnswer = [];
  var processingLine = null;
  var scrollPending = false;
  var client = null;

  function publicMessage(m) {
    var o = { id: m.id, role: m.role, text: m.text, state: m.state, timestamp: m.timestamp };
    if (m.temporary) o.temporary = true;
    if (m.priority) o.priority = m.priority;
    return o;
  }

  function scrollToBottom() {
    if (scrollPending) return;
    scrollPending = true;
    requestAnimationFrame(function () {
      scrollPending = false;
      listEl.scrollTop = listEl.scrollHeight;
    });
  }

  function render(m) {
    var el = document.createElement('div');
    el.className = 'bubble ' + m.role;
    el.appendChild(document.createTextNode(m.text));
    var time = document.createElement('time');
    time.textContent = timeFormat.format(new Date(m.timestamp));
    el.appendChild(time);
    listEl.appendChild(el);
    m.el = el;
  }

  function add(role, text, timestampMs, extra) {
    var m = { id: 'b-' + (nextId++), role: role, text: String(text), state: role === 'user' ? 'sent' : 'received',
      timestamp: timestampMs };
    if (extra) for (var k in extra) m[k] = extra[k];
    history.push(m);
    render(m);
    while (history.length > HISTORY_MAX) {
      var old = history.shift();
      if (old.el && old.el.parentNode) old.el.parentNode.removeChild(old.el);
    }
    scrollToBottom();
    window.dispatchEvent(new CustomEvent('buildingos:message', { detail: publicMessage(m) }));
    return m;
  }

  function removeProcessingLine() {
    if (!processingLine) return;
    var i = history.indexOf(processingLine);
    if (i >= 0) history.splice(i, 1);
    if (processingLine.el && processingLine.el.parentNode) processingLine.el.parentNode.removeChild(processingLine.el);
    processingLine = null;
  }

  function state() {
    return {
      status: client ? client.status : 'idle',
      attempts: client ? client.reconnectAttempts : 0,
      queued: client ? client.messageQueue.length : 0,
      connectionId: client ? client.connectionId : null,
      userId: config.userId,
      sessionId: config.sessionId
    };
  }

  function randomId(prefix) {
    return prefix + Date.now() + '-' + Math.random().toString(36).slice(2, 11);
  }
  var config = { websocketEndpoint: '', userId: randomId('web-user-'), sessionId: randomId('session-') };

  function send(text) {
    text = text == null ? '' : String(text);
    if (!text.trim()) return { ok: false, error: 'empty' };
    var m = add('user', text.trim(), Date.now());
    client.sendMessage(text);
    awaitingAck.push(m);
    return { ok: true, id: m.id };
  }

  function start(endpoint) {
    config.websocketEndpoint = endpoint;
    client = new Client(config);
    client.onConnectionStatus = function (status) {
      statusEl.textContent = STATUS_TEXT[status] || status;
      window.dispatchEvent(new CustomEvent('buildingos:status', { detail: state() }));
    };
    client.onAck = function (message) {
      var m = awaitingAck.shift();
      if (m) { m.state = 'acked'; awaitingAnswer.push(m); }
      removeProcessingLine();
      processingLine = add('system', message.message || 'Processando sua solicita\u00e7\u00e3o...', message.timestamp * 1000,
        { temporary: true });
    };
    client.onMessageReceived = function (message) {
      if (message.role === 'assistant' || message.role === 'notification') removeProcessingLine();
      if (message.role === 'assistant') {
        var answered = awaitingAnswer.shift();
        if (answered) answered.state = 'answered';
      }
      add(message.role, message.message, (message.timestamp || Date.now() / 1000) * 1000,
        message.priority ? { priority: message.priority } : null);
    };
    client.onTypingIndicator = function (typing) { typingEl.hidden = !typing; };

    var api = {
      state: state,
      messages: function () { return history.map(publicMessage); },
      send: send,
      reconnect: function () { if (!client.isConnected) { client.reconnectAttempts = 0; client.connect(); } },
      disconnect: function () { client.disconnect(); },
      version: 'dom-baseline'
    };
    window.BuildingOS = api;
    window.dispatchEvent(new CustomEvent('buildingos:ready', { detail: state() }));
    client.connect();
  }

  document.getElementById('composer').addEventListener('submit', function (e) {
    e.preventDefault();
    if (client && send(inputEl.value).ok) inputEl.value = '';
  });
  inputEl.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (client && send(inputEl.value).ok) inputEl.value = '';
    }
  });

  // Endpoint: ?ws= on loopback pages, else the dev server's /config.json (what the product does).
  var wsParam = /[?&]ws=([^&#]*)/.exec(location.search);
  if (wsParam && /^(localhost|127\.0\.0\.1|\[::1\])$/.test(location.hostname)) {
    start(decodeURIComponent(wsParam[1]));
  } else {
    fetch('/config.json', { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (c) {
      start(c.websocketEndpoint);
    }).catch(function () {
      statusEl.textContent = STATUS_TEXT.failed;
    });
  }
})();
