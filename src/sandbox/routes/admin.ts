/** `/__sandbox/`: the local admin endpoints (stats, faults, reset, token revocation). Local use only, no auth. */
import express, { type Express } from 'express';
import type { SandboxState } from '../state.js';
import type { SandboxFaults } from '../types.js';

export function registerAdmin(app: Express, state: SandboxState): void {
  const admin = express.Router();
  admin.use(express.json({ limit: '1mb' }));
  admin.get('/stats', (_req, res) => {
    res.json(state.stats());
  });
  admin.post('/faults', (req, res) => {
    state.setFaults((req.body ?? {}) as SandboxFaults);
    res.json(state.faults.current());
  });
  admin.post('/reset', (_req, res) => {
    state.reset();
    res.json({ ok: true });
  });
  admin.post('/revoke-tokens', (_req, res) => {
    state.revokeAllTokens();
    res.json({ ok: true });
  });
  app.use('/__sandbox', admin);
}
