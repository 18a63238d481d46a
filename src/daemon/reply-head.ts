// A tracker reply written straight to a socket carries the headers node:http writes for the
// announce route's writeHead(200, content-type, content-length), in its order and spelling (the
// Date cached per second, as node caches it): a client cannot tell which listener answered.

let dateSecond = -1;
let dateText = '';

function httpDate(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** `body` behind a 200 head, in one buffer for one write; `keepAliveSeconds` undefined: the connection closes after it. */
export function replyBytes(body: Buffer, nowMs: number, keepAliveSeconds: number | undefined): Buffer {
  const connection = keepAliveSeconds === undefined ? 'Connection: close' : `Connection: keep-alive\r\nKeep-Alive: timeout=${keepAliveSeconds}`;
  const head = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nDate: ${httpDate(nowMs)}\r\n${connection}\r\n\r\n`;
  const out = Buffer.allocUnsafe(head.length + body.length);
  out.write(head, 0, 'latin1');
  body.copy(out, head.length);
  return out;
}
