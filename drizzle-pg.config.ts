// PostgreSQL migrations (DATABASE_URL=postgres://…): `npx drizzle-kit generate --config drizzle-pg.config.ts --name <what>`.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/storage/pg/schema.ts',
  out: './migrations-pg',
});
