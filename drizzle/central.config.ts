import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/core/platform/central/schema.ts',
  out: './drizzle/central',
});
