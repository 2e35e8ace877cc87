// Network failures shaped exactly like the ones undici's fetch produces, so whoever catches them
// (the hub's delivery code, the node's hub client) classifies a simulated failure the same way as
// a real one: `TypeError('fetch failed')` whose `cause` is a system error with `code` and `errno`.

export type NetErrorCode = 'ECONNREFUSED' | 'ECONNRESET' | 'ETIMEDOUT' | 'EHOSTUNREACH';

const ERRNO: Record<NetErrorCode, number> = { ECONNREFUSED: -111, ECONNRESET: -104, ETIMEDOUT: -110, EHOSTUNREACH: -113 };

export interface SystemError extends Error {
  code: NetErrorCode;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

export function systemError(code: NetErrorCode, url?: string): SystemError {
  const syscall = code === 'ECONNRESET' ? 'read' : 'connect';
  let where = '';
  let address: string | undefined;
  let port: number | undefined;
  if (url) {
    const u = new URL(url);
    address = u.hostname;
    port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    where = ` ${address}:${port}`;
  }
  const error = new Error(`${syscall} ${code}${syscall === 'connect' ? where : ''}`) as SystemError;
  return Object.assign(error, { code, errno: ERRNO[code], syscall, address, port });
}

/** What `fetch` rejects with when the connection fails. */
export function fetchFailed(code: NetErrorCode, url?: string): TypeError {
  return new TypeError('fetch failed', { cause: systemError(code, url) });
}

/** The system error code of a fetch failure (ours or undici's), if there is one. */
export function netErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}
