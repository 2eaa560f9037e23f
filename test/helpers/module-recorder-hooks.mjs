import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const log = process.env.OSMEN_TEST_MODULE_LOG;
  if (log) appendFileSync(log, `${result.url}\n`);
  return result;
}
