// Names README and guide snippets use without defining them: what the reader holds
// already from an earlier snippet (a job spec, a site, a job, a network).
import type * as pn from 'pulsar-network/node';

declare global {
  const spec: pn.JobSpec;
  const site: pn.Site;
  const job: pn.Job;
  const network: pn.Network;
  const url: string;
  const token: string;
  // the guides in docs/
  const yamlText: string;
  const getEgiToken: pn.TokenProvider;
  const record: pn.DecisionRecord;
}
