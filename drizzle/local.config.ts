import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/core/platform/cache/schema.ts',
  out: './drizzle/local',
});
