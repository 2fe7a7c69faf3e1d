import { describe, expect, it } from 'vitest';
import { ProtocolError, ValidationError } from '../../src/index.js';
import { parsePulsarJobConfig, parsePulsarStatus, PathRewriter, remoteJoin, validateStagedJob } from '../../src/internal.js';

describe('PathRewriter', () => {
  const rewriter = new PathRewriter('/');
  rewriter.add('/data/in.txt', '/srv/s/1/inputs/in.txt');
  rewriter.add('/data/run/config.txt', '/srv/s/1/configs/config.txt');
  rewriter.addDirectory('/data/run', '/srv/s/1/working');
  rewriter.addDirectory('/data/idx/', '/srv/s/1/unstructured/ab');
  rewriter.add('/data/my file ü.txt', '/srv/s/1/inputs/my file ü.txt');

  it('rewrites whole paths, files before the directories holding them', () => {
    expect(rewriter.rewrite('cat /data/in.txt "/data/run/config.txt" /data/run/x /data/idx/bwa/h.fa')).toBe(
      'cat /srv/s/1/inputs/in.txt "/srv/s/1/configs/config.txt" /srv/s/1/working/x /srv/s/1/unstructured/ab/bwa/h.fa',
    );
  });

  it('leaves longer names and paths below other roots alone', () => {
    expect(rewriter.rewrite('/data/in.txt2 /data/runner /other/data/in.txt x/data/in.txt')).toBe('/data/in.txt2 /data/runner /other/data/in.txt x/data/in.txt');
  });

  it('rewrites paths with spaces and non-ASCII letters, and inside key=value', () => {
    expect(rewriter.rewrite("'/data/my file ü.txt' --in=/data/in.txt")).toBe("'/srv/s/1/inputs/my file ü.txt' --in=/srv/s/1/inputs/in.txt");
  });

  it('never rewrites a replacement again', () => {
    const chain = new PathRewriter('/');
    chain.add('/a', '/b');
    chain.add('/b', '/c');
    expect(chain.rewrite('/a /b')).toBe('/b /c');
  });

  it('joins with the server separator', () => {
    const windows = new PathRewriter('\\');
    windows.addDirectory('/data/idx', 'C:\\pulsar\\7\\unstructured\\ab');
    expect(windows.rewrite('/data/idx/bwa/h.fa')).toBe('C:\\pulsar\\7\\unstructured\\ab\\bwa\\h.fa');
    expect(remoteJoin('C:\\s\\', 'a/b', '\\')).toBe('C:\\s\\a\\b');
  });

  it('tells whether a text names a path', () => {
    expect(rewriter.mentions('python x.py /data/idx/bwa/h.fa', '/data/idx')).toBe(true);
    expect(rewriter.mentions('python x.py /data/idx2', '/data/idx')).toBe(false);
  });
});

describe('parsePulsarStatus', () => {
  it('parses the short form with a real boolean', () => {
    expect(parsePulsarStatus({ complete: 'false', status: 'running', job_id: '7' }, 'w')).toEqual({
      jobId: '7',
      status: 'running',
      complete: false,
      terminal: false,
      returnCode: null,
    });
  });

  it('parses the full form', () => {
    const status = parsePulsarStatus(
      {
        job_id: '7',
        complete: 'true',
        status: 'failed',
        returncode: 1,
        stdout: 'o',
        stderr: '',
        job_stdout: '',
        job_stderr: 'e',
        working_directory_contents: ['a/b'],
        metadata_directory_contents: [],
        outputs_directory_contents: ['x'],
        job_directory_contents: ['stderr'],
        system_properties: { separator: '/' },
        realized_dynamic_file_sources: [{ type: 'galaxy', path: 'galaxy.json', contents: '[]' }],
      },
      'w',
    );
    expect(status).toMatchObject({ complete: true, terminal: true, returnCode: 1, stdout: 'o', jobStderr: 'e', separator: '/' });
    expect(status.listings).toEqual({ outputs: ['x'], working: ['a/b'], metadata: [], job: ['stderr'] });
    expect(status.dynamicFileSources?.[0]?.contents).toBe('[]');
  });

  it('names the problem in a broken answer', () => {
    expect(() => parsePulsarStatus({ complete: 'yes', status: 'running', job_id: '7' }, 'GET /jobs/{job_id}/status')).toThrow(ProtocolError);
    expect(() => parsePulsarStatus({ complete: 'false', status: 'running' }, 'w')).toThrow(/job_id is missing/);
    expect(() => parsePulsarStatus(null, 'w')).toThrow(/not a JSON object/);
  });

  it('takes the separator from system_properties, else path_separator', () => {
    const base = { job_id: '1', job_directory: 'j', working_directory: 'w', metadata_directory: 'm', outputs_directory: 'o', configs_directory: 'c', tools_directory: 't', inputs_directory: 'i', unstructured_files_directory: 'u' };
    expect(parsePulsarJobConfig({ ...base, system_properties: { separator: '\\' }, path_separator: '/' }, 'w').separator).toBe('\\');
    expect(parsePulsarJobConfig({ ...base, path_separator: '/' }, 'w').separator).toBe('/');
    expect(() => parsePulsarJobConfig(base, 'w')).toThrow(/separator/);
  });
});

describe('validateStagedJob', () => {
  it('lists every problem with its path', () => {
    try {
      validateStagedJob({
        jobId: 'a/b',
        commandLine: '',
        inputs: [{ path: 'relative.txt' }],
        outputs: ['/x/out.dat', '/y/out.dat'],
        workDirOutputs: [{ source: '/elsewhere/f', destination: '/x/f' }],
        cleanup: 'sometimes' as 'always',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
        '$.jobId',
        '$.commandLine',
        '$.inputs[0].path',
        '$.outputs[1]',
        '$.workDirOutputs[0].source',
        '$.workingDirectory',
        '$.cleanup',
      ]);
    }
  });
});
