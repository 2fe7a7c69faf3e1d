/**
 * Checks of call arguments (ids, views, list filters) before anything is sent.
 * @module
 */
import type { paths } from '../../generated/tes.js';
import { ValidationError } from '../errors.js';
import type { ListTasksOptions } from './client.js';
import { isTesState, TES_STATES } from './states.js';
import type { TesView } from './types.js';

/** A task id must be a non-empty string. */
export function checkId(id: unknown): void {
  if (typeof id !== 'string' || id === '') throw new ValidationError('task id', [{ path: '$.id', message: 'must be a non-empty string' }]);
}

/** A view, `MINIMAL` when absent (the spec's default). */
export function checkView(view: unknown): TesView {
  if (view === undefined) return 'MINIMAL';
  if (view === 'MINIMAL' || view === 'BASIC' || view === 'FULL') return view;
  throw new ValidationError('view', [{ path: '$.view', message: 'must be MINIMAL, BASIC or FULL' }]);
}

export type ListQuery = NonNullable<paths['/tasks']['get']['parameters']['query']>;

/** The ListTasks query of the options; every problem in one {@link ValidationError}. */
export function listQuery(options: ListTasksOptions<TesView | undefined>): ListQuery {
  const issues: Array<{ path: string; message: string }> = [];
  const query: ListQuery = { view: 'MINIMAL' };
  try {
    query.view = checkView(options.view);
  } catch (error) {
    if (error instanceof ValidationError) issues.push(...error.issues);
  }
  if (options.namePrefix !== undefined) {
    if (typeof options.namePrefix !== 'string') issues.push({ path: '$.namePrefix', message: 'must be a string' });
    else query.name_prefix = options.namePrefix;
  }
  if (options.state !== undefined) {
    if (!isTesState(options.state)) issues.push({ path: '$.state', message: `must be one of ${TES_STATES.join(', ')}` });
    else query.state = options.state;
  }
  if (options.pageSize !== undefined) {
    const size = options.pageSize;
    if (!Number.isInteger(size) || size < 1 || size > 2047) issues.push({ path: '$.pageSize', message: 'must be a whole number from 1 to 2047' });
    else query.page_size = size;
  }
  if (options.tags !== undefined) {
    const entries = Object.entries(options.tags);
    for (const [key, value] of entries) {
      if (key === '') issues.push({ path: '$.tags', message: 'a tag key must not be empty' });
      if (typeof value !== 'string') issues.push({ path: `$.tags.${key}`, message: 'must be a string (empty matches any value)' });
    }
    if (entries.length > 0) {
      // The arrays are zipped by position, so every key gets a value, empty for "any value".
      query.tag_key = entries.map(([key]) => key);
      query.tag_value = entries.map(([, value]) => value);
    }
  }
  if (options.pageToken !== undefined && (typeof options.pageToken !== 'string' || options.pageToken === '')) {
    issues.push({ path: '$.pageToken', message: 'must be a non-empty string' });
  }
  if (issues.length > 0) throw new ValidationError('listTasks options', issues);
  return query;
}
