/**
 * The gateway's ListTasks and GetTask queries: parameters checked (400
 * naming each), pages in creation order with stable tokens.
 * @module
 */
import { isTesState, TES_STATES } from '../tes/states.js';
import type { TesView } from '../tes/types.js';
import { HttpProblem } from './http.js';
import type { GatewayTask, TaskStore } from './store.js';
import { provenanceTags, renderTask } from './views.js';

const DEFAULT_PAGE_SIZE = 256;
const MAX_PAGE_SIZE = 2047;
const LIST_PARAMETERS = new Set(['name_prefix', 'state', 'tag_key', 'tag_value', 'page_size', 'page_token', 'view']);

/** One page of a client's tasks for a ListTasks query. */
export function listTasks(store: TaskStore, query: URLSearchParams, owner: string, basePath: string): unknown {
  const problems = [...new Set(query.keys())].filter((k) => !LIST_PARAMETERS.has(k)).map((k) => `query.${k}: is not a ListTasks parameter`);
  const view = viewOf(query, problems);
  const state = query.get('state') ?? undefined;
  if (state !== undefined && !isTesState(state)) problems.push(`query.state: must be one of ${TES_STATES.join(', ')}`);
  const sizeText = query.get('page_size');
  const pageSize = sizeText === null ? DEFAULT_PAGE_SIZE : Number(sizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) problems.push(`query.page_size: must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  const token = query.get('page_token');
  const afterSeq = token ? decodePageToken(token) : 0;
  if (afterSeq === undefined) problems.push('query.page_token: is not a token this gateway gave');
  const keys = query.getAll('tag_key');
  const values = query.getAll('tag_value');
  if (values.length > keys.length) problems.push('query.tag_value: more values than tag_key');
  if (problems.length > 0) throw new HttpProblem(400, 'invalid ListTasks query', problems);
  const filter: Parameters<TaskStore['list']>[0] = {
    owner,
    afterSeq: afterSeq as number,
    limit: pageSize + 1,
    tags: keys.map((key, i) => [key, values[i] ?? '']),
    extraTags: (task) => provenanceTags(task, basePath),
  };
  const prefix = query.get('name_prefix');
  if (prefix) filter.namePrefix = prefix;
  if (state !== undefined) filter.state = state as GatewayTask['state'];
  const found = store.list(filter);
  const page = found.slice(0, pageSize);
  const answer: { tasks: unknown[]; next_page_token?: string } = { tasks: page.map((t) => renderTask(t, view, basePath)) };
  if (found.length > pageSize) answer.next_page_token = encodePageToken((page.at(-1) as GatewayTask).seq);
  return answer;
}

/** The view a GetTask query asks for; 400 naming any other parameter. */
export function getTaskView(query: URLSearchParams): TesView {
  const problems: string[] = [];
  const view = viewOf(query, problems);
  for (const key of query.keys()) if (key !== 'view') problems.push(`query.${key}: is not a GetTask parameter`);
  if (problems.length > 0) throw new HttpProblem(400, 'invalid GetTask query', problems);
  return view;
}

function viewOf(query: URLSearchParams, problems: string[]): TesView {
  const view = query.get('view') ?? 'MINIMAL';
  if (view === 'MINIMAL' || view === 'BASIC' || view === 'FULL') return view;
  problems.push('query.view: must be MINIMAL, BASIC or FULL');
  return 'MINIMAL';
}

function encodePageToken(seq: number): string {
  return Buffer.from(`after:${seq}`).toString('base64url');
}

function decodePageToken(token: string): number | undefined {
  const match = /^after:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}
