// Which clients may announce, besides the whitelist: no browser, no empty User-Agent (when
// tracker.require_client_user_agent is on). A browser reaching an announce URL is a user who pasted
// it, or a script pretending; a BitTorrent client names itself (qBittorrent/4.6, Transmission/4.0,
// aria2/1.37, Deluge 2 libtorrent/…) and never as a browser.

/** Browser engines as their User-Agent names them; no BitTorrent client says any of these. */
const BROWSER = /^Mozilla\/|^Opera\/|Chrome\/|Safari\/|Firefox\/|Edg\//;

/** The failure reason for a User-Agent refused by the rule, or undefined when it may announce. */
export function userAgentRefusal(userAgent: string | string[] | undefined): string | undefined {
  const ua = (Array.isArray(userAgent) ? userAgent[0] : userAgent)?.trim() ?? '';
  if (ua === '') return 'client refused: no User-Agent (announce with a BitTorrent client)';
  if (BROWSER.test(ua)) return 'client refused: browsers may not announce (use a BitTorrent client)';
  return undefined;
}
