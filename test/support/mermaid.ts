// Mermaid's own parser (the package GitHub and GitLab render with), on the jsdom window it expects, for tests of
// map's --format mermaid and the README's pictures.

export type MermaidParse = { ok: true; type: string } | { ok: false; error: string };

export async function parseMermaid(text: string): Promise<MermaidParse> {
  const { JSDOM } = await import('jsdom');
  const { window } = new JSDOM('<!doctype html><html><body></body></html>');
  Object.assign(globalThis, { window, document: window.document });
  const { default: mermaid } = await import('mermaid');
  try {
    const parsed = await mermaid.parse(text);
    return parsed ? { ok: true, type: parsed.diagramType } : { ok: false, error: 'not a diagram' };
  } catch (err) {
    return { ok: false, error: String((err as Error).message).split('\n')[0]! };
  }
}
