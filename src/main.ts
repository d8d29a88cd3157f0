// Entry point: parse the configuration, start the roles asked for, stop cleanly on SIGINT/SIGTERM.
import { startApp } from './app.js';
import { CatalogError } from './catalog/catalog-error.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startTelemetry } from './telemetry/index.js';

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

// Traces before anything else runs, when OTEL_EXPORTER_OTLP_ENDPOINT asks for them (null otherwise).
const telemetry = await startTelemetry(config);

// Pretty on a developer's terminal, JSON elsewhere (LOG_FORMAT overrides).
const app = await startApp(config, { logger: createLogger(config) }).catch((error: unknown) => {
  // A bad catalog's message already says what to fix, where.
  if (error instanceof CatalogError) console.error(error.message);
  else console.error(`Hookstream failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'shutting down');
    app
      .stop()
      // The last spans go out before the process ends.
      .then(() => telemetry?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
