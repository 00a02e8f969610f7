/** JSON logs (pino) with a request id on every call line; secrets are redacted by path as a second fence. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'zbridge' },
      redact: {
        paths: ['authtoken', '*.authtoken', 'params.authtoken', 'headers.authorization', '*.clientSecret', '*.refreshToken', '*.accessToken'],
        censor: '***',
      },
    },
    destination ?? process.stdout,
  );
}
