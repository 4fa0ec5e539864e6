# Seed 7.3 / MAINT-002: a task in the dead-letter queue sends an e-mail through SNS.
# Queue depth and message age need no publishing: SQS reports them to CloudWatch by itself (AWS/SQS).

resource "aws_sns_topic" "alarms" {
  name = "${var.name_prefix}-alarms"
  # Not encrypted with the AWS-managed SNS key on purpose: CloudWatch alarms cannot publish to a topic
  # encrypted with it (its key policy cannot be changed). The alarm text holds no task content.
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count     = var.alarm_email != "" ? 1 : 0
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name        = "${var.name_prefix}-dead-letter-messages"
  alarm_description = "A CodingWorker task failed for good and is in ${local.dead_letter_queue_name}. See docs/operations.md: codingworker dlq list, then dlq redrive."
  namespace         = "AWS/SQS"
  metric_name       = "ApproximateNumberOfMessagesVisible"
  dimensions = {
    QueueName = aws_sqs_queue.dead_letter.name
  }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  # SQS stops sending metrics for a queue that has been empty for 6 hours: no data means no dead letters.
  treat_missing_data = "notBreaching"
  alarm_actions      = [aws_sns_topic.alarms.arn]
  ok_actions         = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "oldest_task" {
  count             = var.oldest_message_alarm_seconds > 0 ? 1 : 0
  alarm_name        = "${var.name_prefix}-oldest-task-age"
  alarm_description = "A CodingWorker task has waited longer than ${var.oldest_message_alarm_seconds} s in ${local.task_queue_name}: is the worker running? See docs/operations.md."
  namespace         = "AWS/SQS"
  metric_name       = "ApproximateAgeOfOldestMessage"
  dimensions = {
    QueueName = aws_sqs_queue.tasks.name
  }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.oldest_message_alarm_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
