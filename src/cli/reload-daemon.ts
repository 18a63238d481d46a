import { clientFromConfig, isOtherCertificate, type ApiClient } from '../api/client.js';
import type { ReloadReply } from '../api/schemas.js';
import type { Config } from '../config/schema.js';
import { signalReload } from '../daemon/pidfile.js';
import { withApi } from './with-api.js';

/** How long `mika reload` waits for the API to serve the renewed certificate after the signal. */
const RENEWED_MS = 15_000;

export type ReloadOutcome = { by: 'api'; reply: ReloadReply } | { by: 'signal'; pid: number };

/**
 * Reloads the daemon `config` describes through its API. When the API answers with another
 * certificate than api.tls_cert (renewed by `mika genkey -force` since the daemon read it), this
 * side cannot trust it and must not: the daemon on this host is reloaded by SIGUSR2 to the pid in
 * the pidfile, and this waits until the API serves the certificate of api.tls_cert.
 */
export async function reloadDaemon(config: Config): Promise<ReloadOutcome> {
  try {
    return { by: 'api', reply: await withApi(config, (api) => api.reload(), 'an edited api.listen takes a restart; -signal reaches the daemon by its pid') };
  } catch (err) {
    if (!isOtherCertificate(err)) throw err;
    if (config.pidfile === '') {
      throw new Error('the API serves another certificate than api.tls_cert, and there is no pidfile to signal (run mika reload -signal on the daemon\'s host, or restore the old certificate)', { cause: err });
    }
    const pid = signalReload(config.pidfile);
    await untilTrusted(config);
    return { by: 'signal', pid };
  }
}

async function untilTrusted(config: Config): Promise<void> {
  const deadline = Date.now() + RENEWED_MS;
  for (;;) {
    const api: ApiClient = clientFromConfig(config, { timeoutMs: 2000 });
    try {
      await api.health();
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`sent the reload signal, but the API still does not serve the certificate of api.tls_cert after ${RENEWED_MS / 1000} s (the daemon's log says why)`, { cause: err });
      }
    } finally {
      await api.close();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
