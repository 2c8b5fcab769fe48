/**
 * /api/openapi.json: the JSON API described as OpenAPI 3.1, generated from the very zod schemas the server parses
 * requests and builds answers with (api-schema.ts) and from the action catalogue (desk-actions.ts), so the document
 * cannot promise what the server does not do. zod v4's z.toJSONSchema emits JSON Schema 2020-12, the dialect
 * OpenAPI 3.1 uses (https://spec.openapis.org/oas/v3.1.0#schema-object).
 */
import { z } from 'zod';
import { PHASES } from '../incidents/phases.ts';
import { SEVERITIES } from '../incidents/severity.ts';
import { alertListSchema, errorSchema, incidentDetailSchema, incidentListSchema } from './api-schema.ts';
import { DESK_ACTIONS, type DeskAction } from './desk-actions.ts';

type Json = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.1 Schema Object (inputs as a client sends them: defaults make fields optional). */
function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ content: { 'application/json': { schema } } });
const refusal = (description: string) => ({ description, ...json(ref('Error')) });
const intParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'integer', minimum: 1 } });

/** The write operation of `action`: path, parameters, body, answers. */
function writeOperation(a: DeskAction): [string, Json] {
  const path = a.scope === 'new' ? '/api/incidents' : a.scope === 'incident' ? `/api/incidents/{number}/${a.path}` : `/api/alerts/{id}/${a.path}`;
  const answersIncident = a.scope !== 'alert' || a.path === 'declare';
  const created = a.scope === 'new' || a.path === 'declare';
  return [
    path,
    {
      operationId: a.operationId,
      summary: a.summary,
      tags: [a.scope === 'alert' ? 'alerts' : 'incidents'],
      ...(a.scope === 'incident' ? { parameters: [intParam('number', 'The incident’s number')] } : a.scope === 'alert' ? { parameters: [intParam('id', 'The alert group’s id')] } : {}),
      requestBody: { required: true, ...json(schemaOf(a.input, 'input')) },
      responses: {
        [created ? '201' : '200']: { description: answersIncident ? 'The incident as it is now' : 'The alert group as it is now', ...json(answersIncident ? ref('IncidentDetail') : ref('AlertGroup')) },
        '400': refusal('The body is not valid JSON or does not match the schema; `issues` names each field'),
        '401': refusal('No credentials, or wrong ones'),
        '403': refusal('The request came from another site'),
        ...(a.scope === 'new' ? {} : { '404': refusal('No such incident or alert group (or a private incident the caller may not see)') }),
        '409': refusal('A rule of sitroom refused it (the chat’s wording); `field` names the field at fault'),
        '415': refusal('The body is not application/json'),
      },
    },
  ];
}

export function openApiDocument(): Json {
  const paths: Record<string, Json> = {
    '/api/incidents': {
      get: {
        operationId: 'listIncidents',
        summary: 'Incidents, newest first, a page at a time (private ones only for their participants and WEB_ADMINS)',
        tags: ['incidents'],
        parameters: [
          { name: 'phase', in: 'query', schema: { type: 'string', enum: [...PHASES] } },
          { name: 'severity', in: 'query', schema: { type: 'string', enum: [...SEVERITIES] } },
          { name: 'before', in: 'query', description: 'An incident number: the page of incidents numbered below it', schema: { type: 'integer', minimum: 1 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        ],
        responses: { '200': { description: 'A page of incidents', ...json(ref('IncidentList')) }, '400': refusal('A query parameter is not valid'), '401': refusal('No credentials, or wrong ones') },
      },
    },
    '/api/incidents/{number}': {
      get: {
        operationId: 'getIncident',
        summary: 'Everything about one incident',
        tags: ['incidents'],
        parameters: [intParam('number', 'The incident’s number')],
        responses: { '200': { description: 'The incident', ...json(ref('IncidentDetail')) }, '401': refusal('No credentials, or wrong ones'), '404': refusal('No such incident (or a private one the caller may not see)') },
      },
    },
    '/api/alerts': {
      get: {
        operationId: 'listAlerts',
        summary: 'Alert groups delivered in the last 7 days, latest first (the alert inbox)',
        tags: ['alerts'],
        responses: { '200': { description: 'The alert inbox', ...json(ref('AlertList')) }, '401': refusal('No credentials, or wrong ones') },
      },
    },
  };
  for (const action of DESK_ACTIONS) {
    const [path, operation] = writeOperation(action);
    paths[path] = { ...paths[path], post: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'sitroom',
      version: '1',
      description:
        'Run incidents from scripts: the same actions as the web desk and the chat commands, with the same rules. Authenticate with WEB_AUTH_TOKEN as a bearer token, a WEB_USERS basic-auth user, or a session; writes take application/json.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { basicAuth: [] }, { sessionCookie: [] }],
    tags: [{ name: 'incidents' }, { name: 'alerts' }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'WEB_AUTH_TOKEN' },
        basicAuth: { type: 'http', scheme: 'basic', description: 'A WEB_USERS name and password' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'sitroom_session', description: 'A session from /signin (browsers only)' },
      },
      schemas: {
        IncidentList: schemaOf(incidentListSchema),
        IncidentDetail: schemaOf(incidentDetailSchema),
        AlertList: schemaOf(alertListSchema),
        AlertGroup: schemaOf(alertListSchema.shape.alerts.element),
        Error: schemaOf(errorSchema),
      },
    },
  };
}
