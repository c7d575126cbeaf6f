// Signs the person in from inside a chat app, then opens the web app. Telegram hands a Mini App its signed initData in
// the address's fragment (#tgWebAppData=...); a Teams personal tab asks the Teams client for an SSO token. The server
// checks either proof and starts the same cookie session a /web link does.
(() => {
  'use strict';

  const status = document.querySelector('[data-testid="sign-in-status"]');
  const say = (text) => { status.textContent = text; };

  async function signIn(url, init) {
    const response = await fetch(url, { method: 'POST', credentials: 'same-origin', ...init });
    if (response.ok) {
      location.replace('/');
      return;
    }
    let detail = `the server answered ${response.status}`;
    try {
      const problem = await response.json();
      if (problem.detail) detail = problem.detail;
    } catch {
      // not a problem document; the status says enough
    }
    say(`Could not sign you in: ${detail}.`);
  }

  async function fromTelegram() {
    const initData = new URLSearchParams(location.hash.slice(1)).get('tgWebAppData');
    if (!initData) {
      say('Open this page with the menu button of the bot\u2019s chat in Telegram.');
      return;
    }
    history.replaceState(null, '', location.pathname); // the signed data leaves the address bar
    await signIn('/auth/telegram', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ initData }) });
  }

  async function fromTeams() {
    if (!window.microsoftTeams) {
      say('The Teams client library (lib/teams-js.js) did not load: start the bot with ./bot run, which fetches it.');
      return;
    }
    await window.microsoftTeams.app.initialize();
    const token = await window.microsoftTeams.authentication.getAuthToken();
    await signIn('/auth/teams', { headers: { Authorization: `Bearer ${token}` } });
  }

  const via = document.documentElement.dataset.via;
  (via === 'teams' ? fromTeams() : fromTelegram()).catch((error) => say(`Could not sign you in: ${error?.message ?? error}.`));
})();
