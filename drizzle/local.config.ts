import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/core/cache/schema.ts',
  out: './drizzle/local',
});
