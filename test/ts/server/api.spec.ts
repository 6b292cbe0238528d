import * as http from 'http';
import { AddressInfo } from 'net';

import { ServerConnection } from '@jupyterlab/services';

import {
  API_VERSION,
  checkServer,
  classifyVersionReply,
  RequestError,
  requestAPI
} from '../../../src/server/api';

/**
 * A real HTTP server on loopback that answers like the three servers a user
 * can meet: ours, one without the nbrepro extension, and a broken one.
 */
function startServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void
): Promise<{ server: http.Server; baseUrl: string }> {
  return new Promise(resolve => {
    const server = http.createServer(handler);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ server, baseUrl: `http://127.0.0.1:${port}/` });
    });
  });
}

function settingsFor(baseUrl: string): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl,
    wsUrl: baseUrl.replace('http', 'ws'),
    token: ''
  });
}

describe('requestAPI and checkServer against a real HTTP server', () => {
  let server: http.Server;
  let baseUrl: string;
  const seen: string[] = [];

  beforeAll(async () => {
    ({ server, baseUrl } = await startServer((req, res) => {
      // JupyterLab adds a cache-busting query string to GET requests.
      const path = (req.url ?? '').split('?')[0];
      seen.push(path);
      if (path === '/nbrepro/version') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            name: 'nbrepro',
            version: '9.9.9',
            api_version: API_VERSION,
            python: '3.11.7'
          })
        );
      } else if (path === '/nbrepro/broken') {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: 'conda-meta unreadable' }));
      } else {
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end('<html><body>404: Not Found</body></html>');
      }
    }));
  });

  afterAll(done => {
    server.close(() => done());
  });

  it('reads the version of the server part', async () => {
    const state = await checkServer(settingsFor(baseUrl));
    expect(state).toEqual({
      kind: 'ok',
      info: {
        name: 'nbrepro',
        version: '9.9.9',
        api_version: API_VERSION,
        python: '3.11.7'
      }
    });
    expect(seen).toContain('/nbrepro/version');
  });

  it("carries the server's message in the error", async () => {
    await expect(
      requestAPI('broken', settingsFor(baseUrl))
    ).rejects.toMatchObject({ message: 'conda-meta unreadable', status: 500 });
  });

  it('says the server part is missing when the endpoint is a 404', async () => {
    // A server under another base URL has no nbrepro handler at all.
    const state = await checkServer(settingsFor(baseUrl + 'other/'));
    expect(state.kind).toBe('missing');
  });

  it('says the server part is missing when nothing listens', async () => {
    const closed = await startServer(() => undefined);
    const url = closed.baseUrl;
    await new Promise(resolve => closed.server.close(resolve));
    const state = await checkServer(settingsFor(url));
    expect(state.kind).toBe('missing');
  });
});

describe('classifyVersionReply', () => {
  it('flags a server that speaks another API version', () => {
    const state = classifyVersionReply(
      { name: 'nbrepro', version: '0.0.1', api_version: API_VERSION + 1 },
      null
    );
    expect(state.kind).toBe('mismatch');
  });

  it('rejects a reply that is not from nbrepro', () => {
    expect(classifyVersionReply({ name: 'other' }, null).kind).toBe('error');
    expect(classifyVersionReply('<html>', null).kind).toBe('error');
  });

  it('keeps server errors apart from a missing server part', () => {
    expect(classifyVersionReply(null, new RequestError('boom', 500)).kind).toBe(
      'error'
    );
    expect(
      classifyVersionReply(null, new RequestError('Not Found', 404)).kind
    ).toBe('missing');
  });
});
