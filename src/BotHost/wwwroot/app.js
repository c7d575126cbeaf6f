'use strict';

// The web chat page: a thread sidebar beside Microsoft Web Chat, which talks to this host's Direct Line 3.0
// endpoint. Web threads open in Web Chat (the stream replays their history); threads of other channels are shown
// read-only from /api/threads/{id}/events. A person signed in with a /web link sees their own threads and can sign
// out; the page's state-changing calls carry the session's anti-forgery header (from /api/session).
(() => {
  const STORAGE_KEY = 'finance-bot:open-conversation';
  const REFRESH_MS = 5000;
  const DIRECT_LINE = `${location.origin}/v3/directline`;
  // botframework-directlinejs ConnectionStatus values.
  const EXPIRED_TOKEN = 3;
  const FAILED_TO_CONNECT = 4;
  const CHANNEL_NAMES = { web: 'Web', telegram: 'Telegram', teams: 'Teams', slack: 'Slack' };
  const STYLE_OPTIONS = {
    hideUploadButton: true,
    rootHeight: '100%',
    primaryFont: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    accent: '#1f6feb',
    bubbleBorderRadius: 10,
    bubbleBorderColor: '#e1e4e8',
    bubbleFromUserBorderRadius: 10,
    bubbleFromUserBackground: '#e8f0fe',
    bubbleFromUserBorderColor: '#c9dafc',
  };

  const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
  const ui = {
    list: byTestId('thread-list'),
    empty: byTestId('threads-empty'),
    newThread: byTestId('new-thread'),
    title: byTestId('chat-title'),
    channel: byTestId('chat-channel'),
    notice: byTestId('notice'),
    noticeText: byTestId('notice-text'),
    noticeAction: byTestId('notice-action'),
    webchat: byTestId('webchat'),
    history: byTestId('history'),
    historyNote: byTestId('history-note'),
    historyList: byTestId('history-list'),
    session: byTestId('session'),
    sessionWho: byTestId('session-who'),
    signOut: byTestId('sign-out'),
    signOutEverywhere: byTestId('sign-out-everywhere'),
  };

  const WebChat = window.WebChat;
  const hasWebChat = ['createDirectLine', 'createStore', 'renderWebChat'].every((name) => typeof WebChat?.[name] === 'function');

  const state = {
    threads: [],
    // The main pane: { kind: 'chat', conversationId, directLine, statusSubscription, sawMessage }
    // or { kind: 'history', threadId, eventCount }.
    open: null,
    // Bumped on every navigation, so that a slow answer for an earlier click is dropped.
    navigation: 0,
    // Web Chat mounts, used as its React key.
    session: 0,
    // Who uses the page (GET /api/session): { kind: 'person' | 'owner', displayName, antiforgeryToken, antiforgeryHeader }.
    caller: null,
  };

  // ---- helpers

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      return body.detail || body.error?.message || body.title || `HTTP ${response.status}`;
    } catch {
      return `HTTP ${response.status}`;
    }
  }

  async function request(method, url) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET' && state.caller?.antiforgeryToken) headers[state.caller.antiforgeryHeader] = state.caller.antiforgeryToken;
    const response = await fetch(url, { method, headers, credentials: 'same-origin' });
    if (!response.ok) throw new Error(await errorText(response));
    return response.json();
  }

  function remember(conversationId) {
    try { localStorage.setItem(STORAGE_KEY, conversationId); } catch { /* storage disabled: nothing to restore later */ }
  }

  function recall() {
    try { return localStorage.getItem(STORAGE_KEY); } catch { return null; }
  }

  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

  function relativeTime(iso) {
    const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
    const size = Math.abs(seconds);
    if (size < 45) return relative.format(0, 'second');
    if (size < 3600) return relative.format(Math.round(seconds / 60), 'minute');
    if (size < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
    if (size < 7 * 86400) return relative.format(Math.round(seconds / 86400), 'day');
    return new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
  }

  function timeElement(className, iso, text) {
    const time = element('time', className, text);
    time.dateTime = iso;
    time.title = new Date(iso).toLocaleString();
    return time;
  }

  const channelName = (channel) => CHANNEL_NAMES[channel] ?? channel;

  function showNotice(text, actionLabel, action) {
    ui.noticeText.textContent = text;
    ui.noticeAction.hidden = !action;
    ui.noticeAction.textContent = actionLabel ?? '';
    ui.noticeAction.onclick = action ? () => { hideNotice(); action(); } : null;
    ui.notice.hidden = false;
  }

  function hideNotice() {
    ui.notice.hidden = true;
    ui.noticeAction.onclick = null;
  }

  // ---- sidebar

  function currentThread() {
    const open = state.open;
    if (!open) return null;
    if (open.kind === 'history') return state.threads.find((t) => t.id === open.threadId) ?? null;
    return state.threads.find((t) => t.directLineConversationId === open.conversationId) ?? null;
  }

  function threadItem(thread, isOpen) {
    const button = element('button', 'thread');
    button.type = 'button';
    button.dataset.testid = 'thread-item';
    button.dataset.threadId = thread.id;
    button.dataset.channel = thread.channel;
    if (isOpen) button.setAttribute('aria-current', 'true');
    const meta = element('span', 'thread-meta');
    if (thread.channel !== 'web') meta.append(element('span', 'channel-badge', channelName(thread.channel)));
    meta.append(timeElement('thread-time', thread.updatedAt, relativeTime(thread.updatedAt)));
    button.append(element('span', 'thread-title', thread.title), meta);
    const item = element('li');
    item.append(button);
    return item;
  }

  // The open conversation before its first message: not a thread on the server yet.
  function draftItem() {
    const item = element('li', 'thread thread-draft');
    item.dataset.testid = 'thread-draft';
    item.setAttribute('aria-current', 'true');
    item.append(element('span', 'thread-title', 'New thread'), element('span', 'thread-meta', 'No messages yet'));
    return item;
  }

  let renderedList = '';

  function renderThreads() {
    const open = currentThread();
    const draft = state.open?.kind === 'chat' && !open;
    // Rebuild the list only when what it shows changed, so a poll does not swap buttons under the pointer.
    const signature = JSON.stringify([open?.id, draft, state.threads.map((t) => [t.id, t.title, t.channel, t.updatedAt, relativeTime(t.updatedAt)])]);
    if (signature !== renderedList) {
      renderedList = signature;
      const focused = document.activeElement?.closest?.('[data-thread-id]')?.dataset.threadId;
      const items = state.threads.map((thread) => threadItem(thread, thread === open));
      if (draft) items.unshift(draftItem());
      ui.list.replaceChildren(...items);
      ui.empty.hidden = items.length > 0;
      if (focused) ui.list.querySelector(`[data-thread-id="${CSS.escape(focused)}"]`)?.focus();
    }

    ui.title.textContent = open?.title ?? 'New thread';
    const elsewhere = open && open.channel !== 'web';
    ui.channel.hidden = !elsewhere;
    ui.channel.textContent = elsewhere ? channelName(open.channel) : '';
    document.title = open ? `${open.title} · Finance assistant` : 'Finance assistant';
  }

  let refreshing = false;
  let refreshAgain = false;
  let refreshTimer = 0;

  async function refreshThreads() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    try {
      do {
        refreshAgain = false;
        state.threads = await request('GET', '/api/threads');
        renderThreads();
        const open = state.open;
        const thread = currentThread();
        if (open?.kind === 'history' && thread && thread.eventCount !== open.eventCount) {
          await showHistory(thread, state.navigation);
        }
      } while (refreshAgain);
    } catch (error) {
      console.warn('Refreshing the threads failed; the next poll tries again.', error);
    } finally {
      refreshing = false;
    }
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshThreads, 150);
  }

  // ---- main pane

  function closeChat(open) {
    if (open?.kind !== 'chat') return;
    open.statusSubscription?.unsubscribe();
    open.directLine.end();
  }

  function focusSendBox() {
    requestAnimationFrame(() => ui.webchat.querySelector('[data-id="webchat-sendbox-input"]')?.focus());
  }

  function showChat(token, conversationId, sawMessage) {
    const previous = state.open;
    const directLine = WebChat.createDirectLine({ token, conversationId, domain: DIRECT_LINE, webSocket: true });
    const open = { kind: 'chat', conversationId, directLine, statusSubscription: null, sawMessage };
    const store = WebChat.createStore({}, () => (next) => (action) => {
      if (action.type === 'DIRECT_LINE/POST_ACTIVITY') open.sawMessage = true;
      if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY' && state.open === open) {
        if (action.payload?.activity?.type === 'message') open.sawMessage = true;
        scheduleRefresh();
      }
      return next(action);
    });
    open.statusSubscription = directLine.connectionStatus$.subscribe((status) => {
      if (state.open === open && (status === EXPIRED_TOKEN || status === FAILED_TO_CONNECT)) {
        showNotice('The chat lost its connection to the bot.', 'Reconnect', () => reconnect(open));
      }
    });

    state.open = open;
    ui.history.hidden = true;
    ui.webchat.hidden = false;
    // A new key makes React unmount the previous Web Chat rather than hand the same instance a new connection.
    WebChat.renderWebChat({ key: `session-${++state.session}`, directLine, store, styleOptions: STYLE_OPTIONS }, ui.webchat);
    closeChat(previous);
    remember(conversationId);
    renderThreads();
  }

  async function startConversation() {
    const navigation = ++state.navigation;
    hideNotice();
    try {
      const conversation = await request('POST', `${DIRECT_LINE}/conversations`);
      if (navigation !== state.navigation) return;
      showChat(conversation.token, conversation.conversationId, false);
    } catch (error) {
      if (navigation === state.navigation) showNotice(`Could not start a new thread: ${error.message}`, 'Try again', startConversation);
    }
  }

  async function showHistory(thread, navigation) {
    let events;
    try {
      events = await request('GET', `/api/threads/${encodeURIComponent(thread.id)}/events`);
    } catch (error) {
      if (navigation === state.navigation) showNotice(`Could not load “${thread.title}”: ${error.message}`, 'Try again', () => openThread(thread.id, true));
      return;
    }
    if (navigation !== state.navigation) return;
    if (state.open?.kind !== 'history' || state.open.threadId !== thread.id) {
      closeChat(state.open);
      state.open = { kind: 'history', threadId: thread.id, eventCount: thread.eventCount };
    }
    state.open.eventCount = thread.eventCount;
    ui.webchat.hidden = true;
    ui.history.hidden = false;
    ui.historyNote.textContent = thread.channel === 'web'
      ? 'The chat component is not available, so this thread is shown read-only.'
      : `This thread lives in ${channelName(thread.channel)}: its history is shown here read-only. Continue it there.`;
    const shown = events.filter((e) => (e.role === 'user' || e.role === 'assistant') && (e.text || e.action));
    ui.historyList.replaceChildren(...shown.map(historyItem));
    if (shown.length === 0) ui.historyList.append(element('li', 'history-empty', 'No messages.'));
    renderThreads();
  }

  function historyItem(event) {
    const item = element('li', `history-item history-${event.role}`);
    item.dataset.testid = 'history-item';
    const head = element('div', 'history-head');
    head.append(
      element('span', 'history-who', event.role === 'user' ? 'You' : 'Assistant'),
      timeElement('history-time', event.createdAt, new Date(event.createdAt).toLocaleString()));
    const text = event.text ?? `Pressed “${event.action?.name ?? 'a button'}”`;
    item.append(head, element('p', 'history-text', text));
    return item;
  }

  async function openThread(threadId, force = false) {
    const thread = state.threads.find((t) => t.id === threadId);
    if (!thread || (!force && currentThread() === thread)) return;
    const navigation = ++state.navigation;
    hideNotice();
    if (thread.channel !== 'web' || !hasWebChat) {
      await showHistory(thread, navigation);
      return;
    }
    try {
      const session = await request('POST', `/api/threads/${encodeURIComponent(thread.id)}/directline`);
      if (navigation === state.navigation) showChat(session.token, session.conversationId, true);
    } catch (error) {
      if (navigation === state.navigation) showNotice(`Could not open “${thread.title}”: ${error.message}`, 'Try again', () => openThread(threadId, true));
    }
  }

  // A lost connection (an expired token, the host restarted) gets a fresh token for the same thread.
  function reconnect(open) {
    if (state.open !== open) return;
    const thread = currentThread();
    if (thread) openThread(thread.id, true);
    else startConversation(); // nothing was said in it yet: a new conversation is the same thing
  }

  async function newThread() {
    const open = state.open;
    if (!(open?.kind === 'chat' && !open.sawMessage && !currentThread())) {
      await startConversation();
    }
    focusSendBox();
  }

  // ---- session

  function showSession() {
    const caller = state.caller;
    if (caller?.kind !== 'person') return;
    ui.sessionWho.textContent = caller.displayName ? `Signed in as ${caller.displayName}` : 'Signed in';
    ui.session.hidden = false;
  }

  async function signOut(everywhere) {
    ui.signOut.disabled = true;
    ui.signOutEverywhere.disabled = true;
    try {
      await request('POST', everywhere ? '/api/session/signout-everywhere' : '/api/session/signout');
    } catch (error) {
      ui.signOut.disabled = false;
      ui.signOutEverywhere.disabled = false;
      showNotice(`Could not sign out: ${error.message}`);
      return;
    }
    closeChat(state.open);
    state.open = null;
    location.assign('/signin');
  }

  // ---- start

  async function start() {
    ui.signOut.addEventListener('click', () => signOut(false));
    ui.signOutEverywhere.addEventListener('click', () => signOut(true));
    try {
      state.caller = await request('GET', '/api/session');
    } catch (error) {
      showNotice(`Could not tell who is signed in: ${error.message}`, 'Reload', () => location.reload());
      return;
    }
    showSession();

    ui.newThread.addEventListener('click', newThread);
    ui.list.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-thread-id]');
      if (button) openThread(button.dataset.threadId);
    });

    if (!hasWebChat) {
      ui.newThread.disabled = true;
      const message = element('p', 'webchat-missing',
        'The chat component (lib/webchat.js) did not load, so messages cannot be sent from this page. ' +
        'Start the bot with ./bot run, which fetches it. Existing threads can still be read.');
      message.dataset.testid = 'webchat-missing';
      message.setAttribute('role', 'alert');
      ui.webchat.replaceChildren(message);
    }

    try {
      state.threads = await request('GET', '/api/threads');
    } catch (error) {
      showNotice(`Could not load your threads: ${error.message}`, 'Try again', refreshThreads);
    }
    renderThreads();

    if (hasWebChat) {
      const last = recall();
      const thread = last && state.threads.find((t) => t.directLineConversationId === last);
      if (thread) await openThread(thread.id);
      else await startConversation();
    }

    setInterval(() => { if (!document.hidden) refreshThreads(); }, REFRESH_MS);
    document.addEventListener('visibilitychange', () => { if (!document.hidden) refreshThreads(); });
  }

  start();
})();
