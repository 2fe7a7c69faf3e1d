// A typedoc plugin: puts every exported name of the API reference in a group
// (`@group`) named for what a user does with it, from the source directory it
// lives in, so no file has to repeat it. An explicit `@group` in a comment wins.
import { Comment, CommentTag, Converter } from 'typedoc';

/** Source path prefix (under the repository) → group; first match wins. */
const GROUPS = [
  ['src/errors.ts', 'Errors'],
  ['src/jobs/errors.ts', 'Errors'],
  ['src/tes/', 'TES'],
  ['generated/tes', 'TES'],
  ['src/pulsar/', 'Pulsar'],
  ['src/sites/pulsar-amqp/', 'Sites'],
  ['src/sites/', 'Sites'],
  ['src/jobs/', 'Jobs'],
  ['src/contracts/', 'Jobs'],
  ['src/network/strategies/', 'Site selection'],
  ['src/network/types.ts', 'Site selection'],
  ['src/network/', 'Network'],
  ['src/node/site-registry.ts', 'Network'],
  ['src/transfer/', 'Transfers'],
  ['src/http/', 'HTTP'],
  ['src/node/http-fetch.ts', 'HTTP'],
  ['src/gateway/', 'TES gateway'],
  ['src/policy/', 'TES gateway'],
];

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const root = process.cwd().replace(/\\/g, '/') + '/';
    for (const module of context.project.children ?? []) {
      for (const reflection of module.children ?? []) {
        if (reflection.comment?.blockTags.some((t) => t.tag === '@group')) continue;
        const file = context.project.getSymbolIdFromReflection(reflection)?.fileName?.replace(/\\/g, '/').replace(root, '');
        const group = file && GROUPS.find(([prefix]) => file.startsWith(prefix))?.[1];
        if (!group) continue;
        reflection.comment ??= new Comment();
        reflection.comment.blockTags.push(new CommentTag('@group', [{ kind: 'text', text: group }]));
      }
    }
  });
}
