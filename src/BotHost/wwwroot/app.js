'use strict';

// The web chat page: a thread sidebar beside Microsoft Web Chat, which talks to this host's Direct Line 3.0
// endpoint. Every thread of the person is listed, whatever its channel (scheduled runs grouped under their schedule);
// web threads open in Web Chat (the stream replays their history); threads of other channels show their history from
// /api/threads/{id}/events and can be continued here. The page's state-changing calls carry the session's
// anti-forgery header (from /api/session). Text from messages only ever reaches the page as textContent.
(() => {
  const STORAGE_KEY = 'finance-bot:open-conversation';
  const SIDEBAR_KEY = 'finance-bot:sidebar-collapsed';
  const REFRESH_MS = 5000;
  const PAGE_SIZE = 50;
  const DIRECT_LINE = `${location.origin}/v3/directline`;
  // botframework-directlinejs ConnectionStatus values.
  const EXPIRED_TOKEN = 3;
  const FAILED_TO_CONNECT = 4;
  const CHANNEL_NAMES = { web: 'Web', telegram: 'Telegram', teams: 'Teams', slack: 'Slack' };
  // The search API wraps matched words in these two control characters.
  const MARK_START = '\u0001';
  const MARK_END = '\u0002';
  const SUGGESTIONS = [
    { text: '/help', label: 'See what I can do' },
    { text: '/balances', label: 'My balances' },
    { text: '/portfolio', label: 'My portfolio' },
    { text: '/quote AAPL', label: 'A quote for Apple' },
    { text: '/transactions 30d', label: 'Last month’s spending' },
  ];
  const narrow = window.matchMedia('(max-width: 720px)');
  const dark = window.matchMedia('(prefers-color-scheme: dark)');

  function styleOptions() {
    const base = {
      hideUploadButton: true,
      rootHeight: '100%',
      primaryFont: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
      bubbleBorderRadius: 10,
      bubbleFromUserBorderRadius: 10,
      // A timestamp under the first message of every five minutes.
      groupTimestamp: 5 * 60 * 1000,
    };
    return dark.matches
      ? {
        ...base,
        accent: '#4c8df6',
        backgroundColor: '#0d1117',
        bubbleBackground: '#161b22',
        bubbleBorderColor: '#30363d',
        bubbleTextColor: '#e6edf3',
        bubbleFromUserBackground: '#1c2d4a',
        bubbleFromUserBorderColor: '#2f4a7a',
        bubbleFromUserTextColor: '#e6edf3',
        sendBoxBackground: '#161b22',
        sendBoxTextColor: '#e6edf3',
        sendBoxButtonColor: '#8b949e',
        sendBoxBorderTop: 'solid 1px #30363d',
        subtle: '#8b949e',
        timestampColor: '#8b949e',
        suggestedActionBackgroundColor: '#161b22',
        suggestedActionBorderColor: '#4c8df6',
        suggestedActionTextColor: '#8ab4f8',
        transcriptOverlayButtonBackground: '#30363d',
        transcriptOverlayButtonColor: '#e6edf3',
      }
      : {
        ...base,
        accent: '#1f6feb',
        bubbleBorderColor: '#e1e4e8',
        bubbleFromUserBackground: '#e8f0fe',
        bubbleFromUserBorderColor: '#c9dafc',
      };
  }

  const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
  const ui = {
    app: byTestId('app'),
    sidebar: byTestId('sidebar'),
    sidebarToggle: byTestId('sidebar-toggle'),
    sidebarClose: byTestId('sidebar-close'),
    backdrop: byTestId('backdrop'),
    search: byTestId('search'),
    searchResults: byTestId('search-results'),
    searchList: byTestId('search-list'),
    searchEmpty: byTestId('search-empty'),
    searchMore: byTestId('search-more'),
    threadLists: byTestId('thread-lists'),
    threadsHeading: byTestId('threads-heading'),
    list: byTestId('thread-list'),
    empty: byTestId('threads-empty'),
    more: byTestId('threads-more'),
    schedules: byTestId('schedules'),
    scheduleList: byTestId('schedule-list'),
    strategies: byTestId('strategies'),
    strategyList: byTestId('strategy-list'),
    showArchived: byTestId('show-archived'),
    newThread: byTestId('new-thread'),
    title: byTestId('chat-title'),
    channel: byTestId('chat-channel'),
    menu: byTestId('thread-menu'),
    rename: byTestId('rename-thread'),
    fork: byTestId('fork-thread'),
    exportMd: byTestId('export-md'),
    exportJson: byTestId('export-json'),
    archive: byTestId('archive-thread'),
    remove: byTestId('delete-thread'),
    notice: byTestId('notice'),
    noticeText: byTestId('notice-text'),
    noticeAction: byTestId('notice-action'),
    noticeClose: byTestId('notice-close'),
    welcome: byTestId('welcome'),
    suggestions: byTestId('suggestions'),
    webchat: byTestId('webchat'),
    history: byTestId('history'),
    historyNote: byTestId('history-note'),
    historyList: byTestId('history-list'),
    continueHere: byTestId('continue-here'),
    session: byTestId('session'),
    sessionWho: byTestId('session-who'),
    signOut: byTestId('sign-out'),
    signOutEverywhere: byTestId('sign-out-everywhere'),
    dialog: byTestId('dialog'),
    dialogTitle: byTestId('dialog-title'),
    dialogText: byTestId('dialog-text'),
    dialogField: byTestId('dialog-field'),
    dialogLabel: byTestId('dialog-label'),
    dialogInput: byTestId('dialog-input'),
    dialogList: byTestId('dialog-list'),
    dialogError: byTestId('dialog-error'),
    dialogOk: byTestId('dialog-ok'),
  };

  const WebChat = window.WebChat;
  const hasWebChat = ['createDirectLine', 'createStore', 'renderWebChat'].every((name) => typeof WebChat?.[name] === 'function');

  const state = {
    // The listed threads (newest activity first), the cursor of the next page, and whether the archive is shown.
    threads: [],
    next: null,
    archived: false,
    // Threads known from elsewhere (search hits, schedule runs, forks) by id, so that they can be opened.
    known: new Map(),
    // The main pane: { kind: 'chat', conversationId, threadId, directLine, store, statusSubscription, sawMessage }
    // or { kind: 'history', threadId, eventCount }.
    open: null,
    // Bumped on every navigation, so that a slow answer for an earlier click is dropped.
    navigation: 0,
    // Web Chat mounts, used as its React key.
    session: 0,
    // Who uses the page (GET /api/session): { kind: 'person' | 'owner', displayName, antiforgeryToken, antiforgeryHeader }.
    caller: null,
    search: { query: '', next: null, hits: [] },
  };

  // ---- helpers

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
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

  async function request(method, url, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET' && state.caller?.antiforgeryToken) headers[state.caller.antiforgeryHeader] = state.caller.antiforgeryToken;
    const init = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (!response.ok) {
      const error = new Error(await errorText(response));
      error.status = response.status;
      throw error;
    }
    return response.status === 204 ? null : response.json();
  }

  const threadUrl = (id, rest = '') => `/api/threads/${encodeURIComponent(id)}${rest}`;

  // A page of threads: { threads, next } (the API's shape; a bare array is the whole list).
  function page(body) {
    return Array.isArray(body) ? { threads: body, next: null } : { threads: body?.threads ?? [], next: body?.next ?? null };
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

  // The search API's snippet: plain text with matched words between U+0001 and U+0002, shown as <mark>.
  function snippetNode(snippet) {
    const node = element('span', 'thread-snippet');
    node.dataset.testid = 'snippet';
    let rest = snippet;
    while (rest.length > 0) {
      const start = rest.indexOf(MARK_START);
      if (start < 0) {
        node.append(document.createTextNode(rest.replaceAll(MARK_END, '')));
        break;
      }
      if (start > 0) node.append(document.createTextNode(rest.slice(0, start).replaceAll(MARK_END, '')));
      const end = rest.indexOf(MARK_END, start + 1);
      const marked = end < 0 ? rest.slice(start + 1) : rest.slice(start + 1, end);
      node.append(element('mark', null, marked.replaceAll(MARK_START, '')));
      rest = end < 0 ? '' : rest.slice(end + 1);
    }
    return node;
  }

  // Web Chat renders Markdown with soft line breaks joined into one line; the bot writes its replies line by line
  // (as Telegram and Slack show them), so each single newline outside code fences becomes a hard break.
  function withHardBreaks(markdown) {
    if (typeof markdown !== 'string' || !markdown.includes('\n')) return markdown;
    let fenced = false;
    const lines = markdown.split('\n');
    return lines.map((line, i) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return line;
      }
      const next = lines[i + 1];
      const breaks = !fenced && i < lines.length - 1 && line.trim() !== '' && next !== undefined && next.trim() !== '' && !/^\s*(```|~~~)/.test(next);
      return breaks ? `${line.replace(/\s+$/, '')}  ` : line;
    }).join('\n');
  }

  // ---- dialog (rename, delete, fork)

  // Opens the dialog; resolves with true when confirmed (onConfirm may refuse by throwing: its message is shown).
  function ask({ title, text, ok, danger = false, value, label, list, onConfirm }) {
    ui.dialogTitle.textContent = title;
    ui.dialogText.textContent = text ?? '';
    ui.dialogText.hidden = !text;
    ui.dialogOk.textContent = ok;
    ui.dialogOk.hidden = !ok;
    ui.dialogOk.classList.toggle('button-danger', danger);
    ui.dialogField.hidden = value === undefined;
    ui.dialogLabel.textContent = label ?? '';
    ui.dialogInput.value = value ?? '';
    ui.dialogList.hidden = !list;
    ui.dialogList.replaceChildren(...(list ?? []));
    ui.dialogError.hidden = true;
    return new Promise((resolve) => {
      const form = ui.dialog.querySelector('form');
      const finish = (result) => {
        form.removeEventListener('submit', submit);
        ui.dialog.removeEventListener('close', closed);
        resolve(result);
      };
      const closed = () => finish(false);
      const submit = async (event) => {
        if (event.submitter?.value !== 'ok') return; // Cancel closes the dialog: 'close' resolves false
        event.preventDefault();
        ui.dialogOk.disabled = true;
        try {
          await onConfirm?.(ui.dialogInput.value);
          ui.dialog.removeEventListener('close', closed);
          ui.dialog.close();
          finish(true);
        } catch (error) {
          ui.dialogError.textContent = error.message;
          ui.dialogError.hidden = false;
        } finally {
          ui.dialogOk.disabled = false;
        }
      };
      form.addEventListener('submit', submit);
      ui.dialog.addEventListener('close', closed);
      ui.dialog.showModal();
      if (value !== undefined) ui.dialogInput.select();
    });
  }

  // ---- sidebar

  function allThreads() {
    return [...state.threads, ...state.known.values()];
  }

  function findThread(id) {
    return state.threads.find((t) => t.id === id) ?? state.known.get(id) ?? null;
  }

  function currentThread() {
    const open = state.open;
    if (!open) return null;
    if (open.threadId) return findThread(open.threadId);
    return allThreads().find((t) => t.directLineConversationId === open.conversationId) ?? null;
  }

  function threadButton(thread, isOpen, snippet) {
    const button = element('button', 'thread');
    button.type = 'button';
    button.dataset.testid = snippet === undefined ? 'thread-item' : 'search-hit';
    button.dataset.threadId = thread.id;
    button.dataset.channel = thread.channel;
    if (isOpen) button.setAttribute('aria-current', 'true');
    const meta = element('span', 'thread-meta');
    meta.append(element('span', `channel-badge channel-${thread.channel}`, channelName(thread.channel)));
    meta.append(timeElement('thread-time', thread.updatedAt, relativeTime(thread.updatedAt)));
    button.append(element('span', 'thread-title', thread.title));
    if (snippet) button.append(snippetNode(snippet));
    button.append(meta);
    return button;
  }

  function threadItem(thread, isOpen, snippet) {
    const item = element('li');
    item.append(threadButton(thread, isOpen, snippet));
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
    const draft = state.open?.kind === 'chat' && !open && !state.archived;
    // Rebuild the list only when what it shows changed, so a poll does not swap buttons under the pointer.
    const signature = JSON.stringify([open?.id, draft, state.archived, state.next,
      state.threads.map((t) => [t.id, t.title, t.channel, t.updatedAt, relativeTime(t.updatedAt)])]);
    if (signature !== renderedList) {
      renderedList = signature;
      const focused = document.activeElement?.closest?.('[data-thread-id]')?.dataset.threadId;
      const items = state.threads.map((thread) => threadItem(thread, thread.id === open?.id));
      if (draft) items.unshift(draftItem());
      ui.list.replaceChildren(...items);
      ui.empty.hidden = items.length > 0;
      ui.empty.textContent = state.archived ? 'No archived threads.' : 'No threads yet. Send a message to start one.';
      ui.more.hidden = !state.next;
      ui.threadsHeading.textContent = state.archived ? 'Archived threads' : 'Threads';
      ui.showArchived.textContent = state.archived ? 'Back to threads' : 'Archived threads';
      ui.showArchived.setAttribute('aria-pressed', String(state.archived));
      if (focused) ui.list.querySelector(`[data-thread-id="${CSS.escape(focused)}"]`)?.focus();
    }
    for (const button of document.querySelectorAll('.schedules [data-thread-id], .search-results [data-thread-id]')) {
      if (button.dataset.threadId === open?.id) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }

    ui.title.textContent = open?.title ?? 'New thread';
    const elsewhere = open && open.channel !== 'web';
    ui.channel.hidden = !elsewhere;
    ui.channel.textContent = elsewhere ? channelName(open.channel) : '';
    ui.menu.hidden = !open;
    if (open) {
      ui.exportMd.href = threadUrl(open.id, '/export?format=md');
      ui.exportJson.href = threadUrl(open.id, '/export?format=json');
      ui.archive.textContent = open.archived ? 'Unarchive' : 'Archive';
    } else {
      ui.menu.open = false;
    }
    document.title = open ? `${open.title} · Finance assistant` : 'Finance assistant';
    renderWelcome();
  }

  function renderWelcome() {
    const open = state.open;
    ui.welcome.hidden = !(hasWebChat && open?.kind === 'chat' && !open.sawMessage && !currentThread());
  }

  async function loadThreads(before) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), archived: String(state.archived) });
    if (before) query.set('before', before);
    return page(await request('GET', `/api/threads?${query}`));
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
        const archived = state.archived;
        const first = await loadThreads(null);
        if (archived !== state.archived) continue;
        // The first page is fresh; older pages the person loaded stay below it until the next full load.
        const ids = new Set(first.threads.map((t) => t.id));
        const oldest = first.threads.at(-1)?.updatedAt;
        const older = first.next ? state.threads.filter((t) => !ids.has(t.id) && oldest && t.updatedAt < oldest) : [];
        state.threads = [...first.threads, ...older];
        if (older.length === 0) state.next = first.next;
        for (const thread of first.threads) state.known.delete(thread.id);
        renderThreads();
        const open = state.open;
        const thread = currentThread();
        if (open?.kind === 'history' && thread && thread.eventCount !== open.eventCount) {
          await showHistory(thread, state.navigation);
        }
      } while (refreshAgain);
      refreshSchedules();
      refreshStrategies();
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

  async function loadMore() {
    if (!state.next) return;
    ui.more.disabled = true;
    try {
      const older = await loadThreads(state.next);
      const ids = new Set(state.threads.map((t) => t.id));
      state.threads = [...state.threads, ...older.threads.filter((t) => !ids.has(t.id))];
      state.next = older.next;
      renderThreads();
    } catch (error) {
      showNotice(`Could not load older threads: ${error.message}`, 'Try again', loadMore);
    } finally {
      ui.more.disabled = false;
    }
  }

  async function toggleArchived() {
    state.archived = !state.archived;
    state.threads = [];
    state.next = null;
    renderThreads();
    await refreshThreads();
  }

  // ---- scheduled runs, grouped under their schedule

  let renderedSchedules = '';
  const openSchedules = new Set();

  // Null until known; false when this host has no schedules API (a 404), which is then not asked again.
  let schedulesAvailable = null;

  async function refreshSchedules() {
    if (schedulesAvailable === false) return;
    let groups;
    try {
      groups = await request('GET', '/api/threads/schedules');
      schedulesAvailable = true;
    } catch (error) {
      if (error.status === 404 && schedulesAvailable === null) schedulesAvailable = false;
      console.warn('Could not load the scheduled runs.', error);
      return;
    }
    if (!Array.isArray(groups)) return;
    const signature = JSON.stringify(groups);
    if (signature === renderedSchedules) return;
    renderedSchedules = signature;
    ui.scheduleList.replaceChildren(...groups.map(scheduleGroup));
    ui.schedules.hidden = groups.length === 0;
    renderThreads();
  }

  function scheduleGroup(group) {
    const details = element('details', 'schedule');
    details.dataset.testid = 'schedule-group';
    details.dataset.scheduleId = group.scheduleId;
    const summary = element('summary', 'schedule-summary');
    summary.append(element('span', 'thread-title', group.title));
    const meta = element('span', 'thread-meta');
    meta.append(element('span', null, group.runCount === 1 ? '1 run' : `${group.runCount} runs`));
    if (group.lastRunAt) meta.append(timeElement('thread-time', group.lastRunAt, relativeTime(group.lastRunAt)));
    if (group.lastOutcome) {
      const outcome = element('span', 'schedule-outcome', group.lastOutcome);
      outcome.dataset.testid = 'schedule-outcome';
      if (/^failed/i.test(group.lastOutcome)) outcome.classList.add('failed');
      meta.append(outcome);
    }
    summary.append(meta);
    const runs = element('ul', 'thread-list schedule-runs');
    runs.dataset.testid = 'schedule-runs';
    details.append(summary, runs);
    details.addEventListener('toggle', () => {
      if (details.open) {
        openSchedules.add(group.scheduleId);
        loadRuns(group.scheduleId, runs, null);
      } else {
        openSchedules.delete(group.scheduleId);
      }
    });
    if (openSchedules.has(group.scheduleId)) details.open = true;
    return details;
  }

  let renderedStrategies = '';

  // The person's alerts, recurring buys and rebalancing, with their state and last outcome (read-only: the chat's
  // /strategies has the buttons). An instruction whose firing opened a thread links to it.
  async function refreshStrategies() {
    let strategies;
    try {
      strategies = await request('GET', '/api/strategies');
    } catch (error) {
      console.warn('Could not load the standing instructions.', error);
      return;
    }
    if (!Array.isArray(strategies)) return;
    const signature = JSON.stringify(strategies);
    if (signature === renderedStrategies) return;
    renderedStrategies = signature;
    ui.strategyList.replaceChildren(...strategies.map(strategyItem));
    ui.strategies.hidden = strategies.length === 0;
  }

  function strategyItem(strategy) {
    const item = element('li', 'strategy');
    item.dataset.testid = 'strategy-item';
    item.append(element('span', 'thread-title', strategy.title));
    const meta = element('span', 'thread-meta');
    const status = element('span', 'strategy-state', strategy.state);
    status.dataset.testid = 'strategy-state';
    meta.append(status);
    if (strategy.lastOutcome) {
      const outcome = element('span', 'schedule-outcome', strategy.lastOutcome);
      outcome.dataset.testid = 'strategy-outcome';
      if (/^failed/i.test(strategy.lastOutcome)) outcome.classList.add('failed');
      meta.append(outcome);
    }
    if (strategy.nextEvaluation) meta.append(timeElement('thread-time', strategy.nextEvaluation, `next ${new Date(strategy.nextEvaluation).toLocaleString()}`));
    item.append(meta);
    if (strategy.lastThreadId) {
      const open = element('button', 'button button-quiet strategy-open', 'Open its last report');
      open.type = 'button';
      open.addEventListener('click', async () => {
        if (!findThread(strategy.lastThreadId)) {
          try {
            state.known.set(strategy.lastThreadId, await request('GET', threadUrl(strategy.lastThreadId)));
          } catch (error) {
            showNotice(`Could not open the report: ${error.message}`);
            return;
          }
        }
        openThread(strategy.lastThreadId, true);
      });
      item.append(open);
    }
    return item;
  }

  async function loadRuns(scheduleId, list, before) {
    const query = new URLSearchParams({ scheduleId, limit: '20' });
    if (before) query.set('before', before);
    try {
      const runs = page(await request('GET', `/api/threads?${query}`));
      if (!before) list.replaceChildren();
      list.querySelector('.schedule-more')?.remove();
      const open = currentThread();
      for (const run of runs.threads) {
        state.known.set(run.id, run);
        const item = threadItem({ ...run, title: relativeRunTitle(run) }, run.id === open?.id);
        list.append(item);
      }
      if (runs.threads.length === 0 && !before) list.append(element('li', 'threads-empty', 'No runs yet.'));
      if (runs.next) {
        const more = element('button', 'button button-quiet schedule-more', 'Earlier runs');
        more.type = 'button';
        more.addEventListener('click', () => loadRuns(scheduleId, list, runs.next));
        const item = element('li');
        item.append(more);
        list.append(item);
      }
    } catch (error) {
      list.replaceChildren(element('li', 'threads-empty', `Could not load the runs: ${error.message}`));
    }
  }

  // A run's entry says when it ran (its title is the schedule's, already shown above it).
  function relativeRunTitle(run) {
    return `Run of ${new Date(run.createdAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`;
  }

  // ---- search

  let searchTimer = 0;
  let searchGeneration = 0;

  function onSearchInput() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(ui.search.value.trim(), null), 250);
  }

  async function search(query, before) {
    const generation = ++searchGeneration;
    state.search.query = query;
    if (!query) {
      ui.searchResults.hidden = true;
      ui.threadLists.hidden = false;
      return;
    }
    const params = new URLSearchParams({ q: query, limit: '20' });
    if (before) params.set('before', before);
    let hits;
    try {
      hits = page(await request('GET', `/api/threads?${params}`));
    } catch (error) {
      if (generation !== searchGeneration) return;
      ui.searchList.replaceChildren();
      ui.searchEmpty.textContent = `Search failed: ${error.message}`;
      ui.searchEmpty.hidden = false;
      ui.searchResults.hidden = false;
      ui.threadLists.hidden = true;
      return;
    }
    if (generation !== searchGeneration) return;
    state.search.hits = before ? [...state.search.hits, ...hits.threads] : hits.threads;
    state.search.next = hits.next;
    const open = currentThread();
    for (const hit of hits.threads) if (!state.threads.some((t) => t.id === hit.id)) state.known.set(hit.id, hit);
    ui.searchList.replaceChildren(...state.search.hits.map((hit) => threadItem(hit, hit.id === open?.id, hit.snippet ?? '')));
    ui.searchEmpty.textContent = 'No messages match.';
    ui.searchEmpty.hidden = state.search.hits.length > 0;
    ui.searchMore.hidden = !hits.next;
    ui.searchResults.hidden = false;
    ui.threadLists.hidden = true;
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

  function renderChat(open) {
    const props = { key: `session-${open.session}`, directLine: open.directLine, store: open.store, styleOptions: styleOptions() };
    if (typeof WebChat.renderMarkdown === 'function') {
      props.renderMarkdown = (markdown, ...rest) => WebChat.renderMarkdown(withHardBreaks(markdown), ...rest);
    }
    WebChat.renderWebChat(props, ui.webchat);
  }

  // threadId: the thread this conversation is bound to (null for a new one, until its first message makes a thread).
  function showChat(token, conversationId, threadId, sawMessage, keepHistory = false) {
    const previous = state.open;
    const directLine = WebChat.createDirectLine({ token, conversationId, domain: DIRECT_LINE, webSocket: true });
    const open = { kind: 'chat', conversationId, threadId, directLine, store: null, statusSubscription: null, sawMessage, session: ++state.session };
    open.store = WebChat.createStore({}, () => (next) => (action) => {
      if (action.type === 'DIRECT_LINE/POST_ACTIVITY' && state.open === open) {
        open.sawMessage = true;
        renderWelcome();
      }
      if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY' && state.open === open) {
        if (action.payload?.activity?.type === 'message') {
          open.sawMessage = true;
          renderWelcome();
        }
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
    ui.history.hidden = !keepHistory;
    ui.history.classList.toggle('history-compact', keepHistory);
    ui.continueHere.hidden = true;
    ui.webchat.hidden = false;
    // A new key makes React unmount the previous Web Chat rather than hand the same instance a new connection.
    renderChat(open);
    closeChat(previous);
    remember(conversationId);
    renderThreads();
  }

  function sendSuggestion(text) {
    const open = state.open;
    if (open?.kind !== 'chat') return;
    open.store.dispatch({ type: 'WEB_CHAT/SEND_MESSAGE', payload: { text } });
    focusSendBox();
  }

  async function startConversation() {
    const navigation = ++state.navigation;
    hideNotice();
    try {
      const conversation = await request('POST', `${DIRECT_LINE}/conversations`);
      if (navigation !== state.navigation) return;
      showChat(conversation.token, conversation.conversationId, null, false);
    } catch (error) {
      if (navigation === state.navigation) showNotice(`Could not start a new thread: ${error.message}`, 'Try again', startConversation);
    }
  }

  async function showHistory(thread, navigation) {
    let events;
    try {
      events = await request('GET', threadUrl(thread.id, '/events'));
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
    ui.history.classList.remove('history-compact');
    fillHistory(thread, events);
    ui.continueHere.hidden = !hasWebChat;
    ui.historyNote.textContent = !hasWebChat
      ? 'The chat component is not available, so this thread is shown read-only.'
      : thread.channel === 'web'
        ? 'This thread is shown as it was recorded.'
        : `This thread began in ${channelName(thread.channel)}. Continue it here or there: it is the same thread.`;
    renderThreads();
  }

  function fillHistory(thread, events) {
    const shown = events.filter((e) => (e.role === 'user' || e.role === 'assistant') && (e.text || e.action || e.card));
    ui.historyList.replaceChildren(...shown.map(historyItem));
    if (shown.length === 0) ui.historyList.append(element('li', 'history-empty', 'No messages yet.'));
  }

  function historyItem(event) {
    const item = element('li', `history-item history-${event.role}`);
    item.dataset.testid = 'history-item';
    item.dataset.eventId = event.id;
    const head = element('div', 'history-head');
    head.append(
      element('span', 'history-who', event.role === 'user' ? 'You' : 'Assistant'),
      timeElement('history-time', event.createdAt, new Date(event.createdAt).toLocaleString()));
    item.append(head);
    if (event.card) {
      // A card in its final state: its title, its text and its status; no live buttons.
      const card = element('div', 'history-card');
      card.dataset.testid = 'history-card';
      card.append(element('p', 'history-card-title', event.card.title));
      if (event.card.text) card.append(element('p', 'history-text', event.card.text));
      if (event.card.status) {
        const status = element('p', 'history-card-status', event.card.status);
        status.dataset.testid = 'history-card-status';
        card.append(status);
      }
      item.append(card);
    } else {
      const text = event.text ?? `Pressed “${event.action?.name ?? 'a button'}”`;
      const paragraph = element('p', 'history-text');
      paragraph.append(...inlineMarkdown(text));
      item.append(paragraph);
    }
    return item;
  }

  // The bot's Markdown as Web Chat shows it, for the few inline forms its replies use (**bold**, _italic_, `code`), built
  // as DOM nodes from text: nothing in a message is ever parsed as HTML.
  function inlineMarkdown(text) {
    const nodes = [];
    const pattern = /\*\*([^*]+)\*\*|(?<![\w])_([^_]+)_(?![\w])|`([^`]+)`/g;
    let at = 0;
    for (const match of text.matchAll(pattern)) {
      if (match.index > at) nodes.push(document.createTextNode(text.slice(at, match.index)));
      const [tag, inner] = match[1] !== undefined ? ['strong', match[1]] : match[2] !== undefined ? ['em', match[2]] : ['code', match[3]];
      nodes.push(element(tag, null, inner));
      at = match.index + match[0].length;
    }
    if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
    return nodes;
  }

  // What Web Chat will not replay from this conversation's transcript (a scheduled run's messages, a fork's copied
  // history, turns from another channel): the history shown above it.
  function eventsOutside(thread, conversationId) {
    return request('GET', threadUrl(thread.id, `/events?outside=${encodeURIComponent(conversationId)}`));
  }

  async function openThread(threadId, force = false) {
    const thread = findThread(threadId);
    if (!thread || (!force && currentThread()?.id === thread.id)) {
      closeSidebarIfNarrow();
      return;
    }
    const navigation = ++state.navigation;
    hideNotice();
    closeSidebarIfNarrow();
    if (thread.channel !== 'web' || !hasWebChat) {
      await showHistory(thread, navigation);
      return;
    }
    try {
      const session = await request('POST', threadUrl(thread.id, '/directline'));
      const earlier = await eventsOutside(thread, session.conversationId);
      if (navigation !== state.navigation) return;
      const keep = earlier.some((e) => (e.role === 'user' || e.role === 'assistant') && (e.text || e.action || e.card));
      if (keep) {
        fillHistory(thread, earlier);
        ui.historyNote.textContent = 'Earlier in this thread:';
      }
      showChat(session.token, session.conversationId, thread.id, true, keep);
    } catch (error) {
      if (navigation === state.navigation) showNotice(`Could not open “${thread.title}”: ${error.message}`, 'Try again', () => openThread(threadId, true));
    }
  }

  // A thread of another channel, continued from the web: its history stays above Web Chat, whose turns join it.
  async function continueHere() {
    const thread = currentThread();
    if (!thread) return;
    const navigation = ++state.navigation;
    ui.continueHere.disabled = true;
    try {
      const session = await request('POST', threadUrl(thread.id, '/directline'));
      const earlier = await eventsOutside(thread, session.conversationId);
      if (navigation === state.navigation) {
        fillHistory(thread, earlier);
        showChat(session.token, session.conversationId, thread.id, true, true);
        focusSendBox();
      }
    } catch (error) {
      if (navigation === state.navigation) showNotice(`Could not continue “${thread.title}” here: ${error.message}`, 'Try again', continueHere);
    } finally {
      ui.continueHere.disabled = false;
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
    closeSidebarIfNarrow();
    if (!(open?.kind === 'chat' && !open.sawMessage && !currentThread())) {
      await startConversation();
    }
    focusSendBox();
  }

  // ---- thread actions

  function replaceThread(updated) {
    state.threads = state.threads.map((t) => (t.id === updated.id ? { ...t, ...updated } : t));
    if (state.known.has(updated.id)) state.known.set(updated.id, { ...state.known.get(updated.id), ...updated });
    renderedList = '';
    renderThreads();
  }

  function dropThread(id) {
    state.threads = state.threads.filter((t) => t.id !== id);
    state.known.delete(id);
    state.search.hits = state.search.hits.filter((t) => t.id !== id);
    ui.searchList.querySelector(`[data-thread-id="${CSS.escape(id)}"]`)?.closest('li')?.remove();
    renderedList = '';
  }

  async function rename() {
    ui.menu.open = false;
    const thread = currentThread();
    if (!thread) return;
    await ask({
      title: 'Rename thread',
      label: 'Title',
      value: thread.title,
      ok: 'Rename',
      onConfirm: async (value) => {
        const title = value.trim();
        if (!title) throw new Error('The title cannot be empty.');
        replaceThread(await request('PATCH', threadUrl(thread.id), { title }));
      },
    });
  }

  async function archive() {
    ui.menu.open = false;
    const thread = currentThread();
    if (!thread) return;
    const archived = !thread.archived;
    try {
      const updated = await request('PATCH', threadUrl(thread.id), { archived });
      dropThread(thread.id);
      state.known.set(updated.id, updated);
      renderThreads();
      showNotice(archived ? `“${updated.title}” is archived.` : `“${updated.title}” is back in your threads.`, 'Undo', async () => {
        try {
          replaceThread(await request('PATCH', threadUrl(thread.id), { archived: !archived }));
          await refreshThreads();
        } catch (error) {
          showNotice(`Could not undo: ${error.message}`);
        }
      });
    } catch (error) {
      showNotice(`Could not ${archived ? 'archive' : 'unarchive'} “${thread.title}”: ${error.message}`);
    }
  }

  async function remove() {
    ui.menu.open = false;
    const thread = currentThread();
    if (!thread) return;
    const deleted = await ask({
      title: 'Delete this thread?',
      text: `“${thread.title}” and all of its messages will be deleted for good. This cannot be undone.`,
      ok: 'Delete',
      danger: true,
      onConfirm: () => request('DELETE', threadUrl(thread.id)),
    });
    if (!deleted) return;
    dropThread(thread.id);
    try { if (recall() === thread.directLineConversationId) localStorage.removeItem(STORAGE_KEY); } catch { /* nothing stored */ }
    await startConversation();
    showNotice(`“${thread.title}” was deleted.`);
    await refreshThreads();
  }

  async function fork() {
    ui.menu.open = false;
    const thread = currentThread();
    if (!thread) return;
    let events;
    try {
      events = await request('GET', threadUrl(thread.id, '/events'));
    } catch (error) {
      showNotice(`Could not load “${thread.title}”: ${error.message}`);
      return;
    }
    const shown = events.filter((e) => (e.role === 'user' || e.role === 'assistant') && (e.text || e.action || e.card));
    let chosen = null;
    const items = shown.map((event) => {
      const item = historyItem(event);
      item.dataset.testid = 'fork-choice';
      const pick = element('button', 'button button-quiet', 'Fork from here');
      pick.type = 'button';
      pick.dataset.testid = 'fork-here';
      pick.addEventListener('click', () => {
        chosen = event.id;
        ui.dialogOk.click();
      });
      item.append(pick);
      return item;
    });
    if (items.length === 0) items.push(element('li', 'history-empty', 'No messages to fork from yet.'));
    let forked = null;
    await ask({
      title: 'Fork from a message',
      text: 'A new thread starts with the history up to and including the message you pick.',
      list: items,
      ok: '',
      onConfirm: async () => {
        if (!chosen) throw new Error('Pick a message.');
        forked = await request('POST', threadUrl(thread.id, '/fork'), { eventId: chosen });
      },
    });
    if (!forked) return;
    state.threads = [forked, ...state.threads.filter((t) => t.id !== forked.id)];
    renderedList = '';
    // The fork's history (copied from the original) above Web Chat, where it goes on.
    closeSidebarIfNarrow();
    await showHistory(forked, ++state.navigation);
    if (hasWebChat && currentThread()?.id === forked.id) await continueHere();
  }

  // ---- sidebar: collapsible (a drawer on a narrow screen)

  function sidebarCollapsed() {
    return ui.app.classList.contains(narrow.matches ? 'drawer-closed' : 'sidebar-collapsed');
  }

  function setSidebar(open) {
    if (narrow.matches) {
      ui.app.classList.toggle('drawer-closed', !open);
      ui.backdrop.hidden = !open;
    } else {
      ui.app.classList.toggle('sidebar-collapsed', !open);
      try { localStorage.setItem(SIDEBAR_KEY, open ? '0' : '1'); } catch { /* not remembered */ }
    }
    ui.sidebarToggle.setAttribute('aria-expanded', String(open));
    ui.sidebar.inert = !open;
  }

  function closeSidebarIfNarrow() {
    if (narrow.matches) setSidebar(false);
  }

  function applyLayout() {
    if (narrow.matches) {
      ui.app.classList.remove('sidebar-collapsed');
      setSidebar(false);
    } else {
      ui.app.classList.remove('drawer-closed');
      ui.backdrop.hidden = true;
      let collapsed = false;
      try { collapsed = localStorage.getItem(SIDEBAR_KEY) === '1'; } catch { /* not remembered */ }
      setSidebar(!collapsed);
    }
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

  function wire() {
    ui.signOut.addEventListener('click', () => signOut(false));
    ui.signOutEverywhere.addEventListener('click', () => signOut(true));
    ui.newThread.addEventListener('click', newThread);
    ui.more.addEventListener('click', loadMore);
    ui.showArchived.addEventListener('click', toggleArchived);
    ui.search.addEventListener('input', onSearchInput);
    ui.search.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        ui.search.value = '';
        search('', null);
      }
    });
    ui.searchMore.addEventListener('click', () => search(state.search.query, state.search.next));
    ui.sidebar.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-thread-id]');
      if (button) openThread(button.dataset.threadId);
    });
    ui.sidebarToggle.addEventListener('click', () => setSidebar(sidebarCollapsed()));
    ui.sidebarClose.addEventListener('click', () => setSidebar(false));
    ui.backdrop.addEventListener('click', () => setSidebar(false));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && narrow.matches && !sidebarCollapsed() && !ui.dialog.open) setSidebar(false);
    });
    narrow.addEventListener('change', applyLayout);
    dark.addEventListener('change', () => { if (state.open?.kind === 'chat') renderChat(state.open); });
    // The thread menu closes on a click elsewhere and on Escape, as menus do.
    document.addEventListener('click', (event) => { if (ui.menu.open && !ui.menu.contains(event.target)) ui.menu.open = false; });
    ui.menu.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        ui.menu.open = false;
        ui.menu.querySelector('summary').focus();
      }
    });
    ui.noticeClose.addEventListener('click', hideNotice);
    ui.rename.addEventListener('click', rename);
    ui.archive.addEventListener('click', archive);
    ui.remove.addEventListener('click', remove);
    ui.fork.addEventListener('click', fork);
    ui.continueHere.addEventListener('click', continueHere);
    for (const link of [ui.exportMd, ui.exportJson]) link.addEventListener('click', () => { ui.menu.open = false; });
    ui.suggestions.replaceChildren(...SUGGESTIONS.map(({ text, label }) => {
      const item = element('li');
      const button = element('button', 'suggestion');
      button.type = 'button';
      button.dataset.testid = 'suggestion';
      button.append(element('span', 'suggestion-label', label), element('code', 'suggestion-text', text));
      button.addEventListener('click', () => sendSuggestion(text));
      item.append(button);
      return item;
    }));
  }

  async function start() {
    applyLayout();
    wire();
    try {
      state.caller = await request('GET', '/api/session');
    } catch (error) {
      showNotice(`Could not tell who is signed in: ${error.message}`, 'Reload', () => location.reload());
      return;
    }
    showSession();

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
      const first = await loadThreads(null);
      state.threads = first.threads;
      state.next = first.next;
    } catch (error) {
      showNotice(`Could not load your threads: ${error.message}`, 'Try again', refreshThreads);
    }
    renderThreads();
    refreshSchedules();
    refreshStrategies();

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
