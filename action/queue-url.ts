// What an SQS queue URL says about where it lives. Shared by the action (its aws-region default) and the
// worker (the region of CW_QUEUE_URL), so both read a queue URL the same way.

// sqs.<region>.amazonaws.com[.cn] (current) and <region>.queue.amazonaws.com (legacy) both name the region.
const QUEUE_HOST_REGION = [
  /^sqs\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/,
  /^([a-z]{2}(?:-[a-z]+)+-\d+)\.queue\.amazonaws\.com(?:\.cn)?$/,
];

/** The region named by an AWS queue URL's host, or undefined for other hosts (emulators, VPC endpoints). */
export function regionFromQueueUrl(queueUrl: string): string | undefined {
  const host = URL.canParse(queueUrl) ? new URL(queueUrl).hostname : '';
  for (const pattern of QUEUE_HOST_REGION) {
    const match = pattern.exec(host);
    if (match) return match[1];
  }
  return undefined;
}
