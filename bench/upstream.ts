/**
 * The fixed-response upstream: `GET /organizations` answers ~1 KB of JSON, `POST /organizations` a 201
 * with the created organization; for the audit-sink cell it also takes WorkOS Audit Logs events (201), says
 * the mirror's schemas exist, and is the HTTP sink's collector (`POST /sink`, 200); anything else 404.
 * Run as a child of bench/run.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveStats } from './lib/child-stats.js';
import { CREATED_BODY, LIST_BODY } from './lib/fixtures.js';

const JSON_TYPE = 'application/json';

const server = createServer((req, res) => {
  const path = (req.url ?? '').split('?')[0];
  // The body is read to the end before answering, as a real API would.
  req.resume();
  req.on('end', () => {
    // GET /users: what the denial flood asks for; the floor and direct get it answered like a read.
    if ((path === '/organizations' || path === '/users') && req.method === 'GET') {
      res.writeHead(200, { 'content-type': JSON_TYPE, 'x-request-id': 'upstream-bench' });
      res.end(LIST_BODY);
    } else if (path === '/organizations' && req.method === 'POST') {
      res.writeHead(201, { 'content-type': JSON_TYPE, 'x-request-id': 'upstream-bench' });
      res.end(CREATED_BODY);
    } else if ((path === '/audit_logs/events' || path === '/sink') && req.method === 'POST') {
      res.writeHead(path === '/sink' ? 200 : 201, { 'content-type': JSON_TYPE });
      res.end('{"success":true}');
    } else if (path?.startsWith('/audit_logs/actions/') && req.method === 'GET') {
      res.writeHead(200, { 'content-type': JSON_TYPE });
      res.end('{"object":"list","data":[{"object":"audit_log_schema","version":1}]}');
    } else {
      res.writeHead(404, { 'content-type': JSON_TYPE });
      res.end('{"message":"Not Found"}');
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveStats({ url: `http://127.0.0.1:${port}` }, async () => ({}));
});
