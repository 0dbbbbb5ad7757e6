/** AWS_ACCESS_KEY: AWS access key ids, long-term (`AKIA...`) and temporary (`ASIA...`): 20 upper-case characters. */
import { regexDetector } from './types';

export const awsAccessKey = regexDetector({
  name: 'AWS_ACCESS_KEY',
  pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  quickCheck: (t) => t.includes('AKIA') || t.includes('ASIA'),
});
