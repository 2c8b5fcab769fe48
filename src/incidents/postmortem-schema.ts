/**
 * The postmortem's YAML front matter: a published, versioned contract (zod), so tools can read sitroom's
 * post-incident records. Times are ISO 8601 UTC strings; durations are whole seconds.
 */
import { z } from 'zod';
import { PHASES } from './phases.ts';
import { SEVERITIES } from './severity.ts';

const time = z.iso.datetime();
const maybeTime = time.nullable();
const seconds = z.number().int().min(0).nullable();

export const postmortemFrontMatterSchema = z.object({
  schema: z.literal('sitroom.postmortem/v1'),
  incident: z.number().int().positive(),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  private: z.boolean(),
  /** Present (true) only on a drill's postmortem: tools counting incidents leave it out. */
  drill: z.literal(true).optional(),
  /** The incident type (INCIDENT_TYPES), when it has one. */
  type: z.string().optional(),
  platform: z.string(),
  phase: z.enum(PHASES),
  declared_by: z.string(),
  times: z.object({
    started: time,
    declared: time,
    acknowledged: maybeTime,
    mitigated: maybeTime,
    resolved: maybeTime,
    closed: maybeTime,
  }),
  durations: z.object({
    time_to_acknowledge: seconds,
    time_to_mitigate: seconds,
    time_to_resolve: seconds,
    in_phase: z.object(Object.fromEntries(PHASES.map((p) => [p, z.number().int().min(0)])) as Record<(typeof PHASES)[number], z.ZodNumber>),
    reopens: z.number().int().min(0),
  }),
  roles: z.array(z.object({ role: z.string(), user: z.string(), from: time, to: maybeTime })),
  alerts: z.array(
    z.object({ group: z.string(), title: z.string(), first_firing: maybeTime, acknowledged: maybeTime, acknowledged_by: z.string().nullable(), silence: z.string().nullable() }),
  ),
  updates: z.array(z.object({ at: time, by: z.string(), text: z.string(), late: z.boolean() })),
  action_items: z.array(
    z.object({ id: z.number().int(), text: z.string(), owner: z.string().nullable(), due: z.string().nullable(), state: z.enum(['open', 'done']), done: maybeTime, issue: z.string().optional() }),
  ),
  generated_at: time,
});

export type PostmortemFrontMatter = z.infer<typeof postmortemFrontMatterSchema>;
