/**
 * The URL policy (portable part): rules per direction, their layers, the
 * check of a job's URLs, and IP address classes.
 * @module
 */
export { checkJobUrls, refusedClass, within, URL_POLICY_RULES, type LocalPathResult, type ProbeRefusal, type UrlPolicyEnvironment, type UrlPolicyResult, type UrlPolicyRule } from './url-policy.js';
export {
  baseUrlRules,
  compileUrlRules,
  DEFAULT_URL_RULES,
  hostAllowed,
  mergeUrlRules,
  urlRulesProblems,
  type CompiledDirection,
  type CompiledUrlRules,
  type DirectionRules,
  type UrlRules,
} from './url-rules.js';
export { classifyIp, describeClass, embeddedIpv4, formatIp, inRange, isLoopbackAddress, parseIp, parseRange, type AddressClass, type IpBytes, type IpRange } from './ip.js';
