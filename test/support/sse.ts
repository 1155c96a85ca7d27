/** A live SSE connection read with fetch: collects parsed `data:` events and raw comment lines. */
export async function openStream(url: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  const events: any[] = [];
  const comments: string[] = [];
  let buf = '';
  const done = (async () => {
    if (!res.body) return;
    const dec = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of block.split('\n')) {
            if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)));
            else if (line.startsWith(':')) comments.push(line);
          }
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return { res, events, comments, close: async () => (ac.abort(), await done) };
}
