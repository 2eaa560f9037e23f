/**
 * The field schemas every part of the IPC contract builds on (ids, option values, typed text, scopes,
 * times). A module of their own so that the contract's parts (ipc-contract.ts and the schemas of
 * single features next to it) can share them without importing each other. Imports only zod.
 */
import { z } from 'zod';
import { WITHOUT_CONTROL_CHARS, WITHOUT_UNSAFE_TEXT } from './one-line.js';

/** Provider ids: what the registry accepts (lower-case slug). */
export const ProviderIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'provider id: lower-case letters, digits, ".", "_" or "-"');

/** What the core's settings store accepts for a custom provider id. */
export const CustomProviderIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'provider id: 1-40 lower-case letters, digits, "_" or "-"');

/** Account ids come from the provider (sub, e-mail); bounded, no control characters. */
export const UserIdSchema = z.string().min(1).max(512).regex(WITHOUT_CONTROL_CHARS, 'user id must not contain control characters');

/** Free text typed by a person (names, client ids): bounded, no control characters. */
export function plainText(max: number) {
  return z.string().min(1).max(max).regex(WITHOUT_UNSAFE_TEXT, 'must not contain control characters or bidirectional overrides');
}

/** A provider option's name (a built-in's file declares its options; the core checks the value). */
export const OptionNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'option name: lower-case letters, digits, "_" or "-"');

/**
 * A provider option's value (Microsoft's tenant): bounded text here; what the option accepts is
 * its provider file's rule, which the core applies before anything is used or saved.
 */
export const OptionValueSchema = plainText(253);

/** Provider options for one sign-in (Microsoft's tenant): at most a few, each checked by the core. */
export const ProviderOptionsSchema = z
  .record(OptionNameSchema, OptionValueSchema)
  .refine((r) => Object.keys(r).length <= 8, 'at most 8 provider options');

export const EpochMs = z.number().int().nonnegative();
export const NullableEpochMs = EpochMs.nullable();

export const ScopeSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is one RFC 6749 scope-token (no spaces or quotes)');

/** An issuer as a person may give it: http(s) only; the core applies the loopback rule. */
export const IssuerSchema = z
  .string()
  .min(1)
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'issuer must be an https:// URL (http:// only on loopback)');

/** A request without parameters is an empty object, nothing else. */
export const Empty = z.strictObject({});
