// `codingworker dlq list|redrive`: see why tasks were dead-lettered, and send them back once fixed.
import type { Command } from 'commander';
import { loadSettings } from '../../core/settings.ts';
import {
  createDeadLetterQueue,
  type DeadLetteredMessage,
  resolveDeadLetterTarget,
} from '../../queue/dead-letter.ts';
import { configuredQueue } from '../../queue/sqs-client.ts';
import { renderTable } from '../table.ts';

function table(messages: DeadLetteredMessage[]): string {
  const header = ['MESSAGE ID', 'ISSUE', 'REPOSITORY', 'FAILURE', 'FAILED AT', 'RECEIVES'];
  const rows = messages.map((message) => [
    message.messageId,
    message.issue ? `#${message.issue}` : '-',
    message.repository ?? '-',
    message.failureKind
      ? `${message.failureKind}: ${(message.failureReason ?? '').replace(/\s+/g, ' ').slice(0, 120)}`
      : 'moved by SQS redrive (worker crashed or stopped on every delivery)',
    message.failedAt ?? '-',
    message.receiveCount ?? '-',
  ]);
  return renderTable(header, rows);
}

export function register(program: Command): void {
  const dlq = program.command('dlq').description('the dead-letter queue: tasks that will not be retried');

  dlq
    .command('list')
    .description('show dead-lettered tasks with their failure reason')
    .action(async () => {
      const { client, queueUrl } = configuredQueue(loadSettings());
      const target = await resolveDeadLetterTarget(client, queueUrl);
      const messages = await createDeadLetterQueue(client, target.dlqUrl).list();
      if (messages.length === 0) console.log(`the dead-letter queue ${target.dlqUrl} is empty`);
      else console.log(table(messages));
    });

  dlq
    .command('redrive')
    .description('move dead-lettered tasks back to the task queue (all, or one with --message-id)')
    .option('--message-id <id>', 'only this message (see dlq list)')
    .action(async (options: { messageId?: string }) => {
      const { client, queueUrl } = configuredQueue(loadSettings());
      const target = await resolveDeadLetterTarget(client, queueUrl);
      const moved = await createDeadLetterQueue(client, target.dlqUrl).redrive(queueUrl, options.messageId);
      if (options.messageId && moved === 0) {
        throw new Error(`no message ${options.messageId} in ${target.dlqUrl}: run codingworker dlq list`);
      }
      console.log(`moved ${moved} message(s) back to ${queueUrl}`);
    });
}
