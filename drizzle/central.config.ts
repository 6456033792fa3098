import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/core/central/schema.ts',
  out: './drizzle/central',
});
