/** Mattermost's error bodies (model.AppError) with the server's real error ids and English messages. */


/** English messages of the error ids the fake answers with (server/i18n/en.json). */
const MM_ERRORS: Record<string, string> = {
  'api.context.404.app_error': 'Sorry, we could not find the page.',
  'api.context.session_expired.app_error': 'Invalid or expired session, please login again.',
  'api.context.permissions.app_error': 'You do not have the appropriate permissions.',
  'api.context.invalid_body_param.app_error': 'Invalid or missing {{.Name}} in request body.',
  'api.context.invalid_url_param.app_error': 'Invalid or missing {{.Name}} parameter in request URL.',
  'app.user.get_by_username.app_error':
    'Unable to find an existing account matching this username for this team. This team may require an invite from the team owner to join.',
  'app.user.missing_account.const': 'Unable to find the user.',
  'app.team.get_by_name.missing.app_error': 'Unable to find the existing team.',
  'app.team.get.find.app_error': 'Unable to find the existing team.',
  'app.channel.get.existing.app_error': 'Unable to find the existing channel.',
  'app.team.get_member.missing.app_error': 'Unable to find the existing teammate.',
  'api.channel.add_user.to.channel.failed.deleted.app_error': 'Failed to add user to channel because they have been removed from the team.',
  'api.post.update_post.permissions_time_limit.app_error': 'Post edit is only allowed for {{.timeLimit}} seconds. Please ask your System Administrator for details.',
  'app.channel.get_member.missing.app_error': 'No channel member found for that user ID and channel ID.',
  'app.channel.get_by_name.missing.app_error': 'Channel does not exist.',
  'store.sql_channel.save_channel.exists.app_error': 'A channel with that name already exists on the same team.',
  'model.channel.is_valid.display_name.app_error': 'Invalid display name.',
  'model.channel.is_valid.name.app_error': 'Invalid channel name. User ids are not permitted in channel name for non-direct message channels.',
  'model.channel.is_valid.1_or_more.app_error': 'Name must be 1 or more lowercase alphanumeric characters.',
  'model.channel.is_valid.type.app_error': 'Invalid type.',
  'model.channel.is_valid.header.app_error': 'Invalid header.',
  'model.channel.is_valid.purpose.app_error': 'Invalid purpose.',
  'api.channel.create_channel.direct_channel.app_error': 'Must use createDirectChannel API service for direct message channel creation.',
  'api.channel.create_direct_channel.invalid_user.app_error': 'Invalid user ID for direct channel creation.',
  'api.channel.add_user_to_channel.type.app_error': 'Can not add user to this channel type.',
  'api.channel.patch_update_channel.update_direct_or_group_messages_not_allowed.app_error':
    'You are not allowed to update the name, display_name, and purpose of direct or group messages.',
  'model.post.is_valid.message_length.app_error': 'Post Message property is longer than the maximum permitted length.',
  'api.post.create_post.root_id.app_error': 'Invalid RootId parameter.',
  'app.post.get.app_error': 'Unable to get post.',
  'api.post.create_post.channel_root_id.app_error': 'Invalid ChannelId for RootId parameter.',
  'interactive_message.decode_trigger_id.base64_decode_failed': 'Failed to decode base64 for trigger ID for interactive dialog.',
  'interactive_message.decode_trigger_id.missing_data': 'Trigger ID missing required data for interactive dialog.',
  'interactive_message.decode_trigger_id.expired': 'Trigger ID for interactive dialog is expired. Trigger IDs live for a maximum of {{.Duration}}.',
  'interactive_message.decode_trigger_id.verify_signature_failed': 'Signature verification failed of trigger ID for interactive dialog.',
  'model.post.is_valid.file_ids.app_error':
    'Invalid file ids. Note that uploads are limited to 10 files maximum. Please use additional posts for more files.',
  'api.file.upload_file.read_request.app_error': 'Unable to upload file(s). Error reading or parsing request data.',
  'api.file.upload_file.multiple_channel_ids.app_error': 'Unable to upload file(s). Multiple conflicting channel_ids.',
  'api.file.upload_file.incorrect_number_of_client_ids.app_error':
    'Unable to upload file(s). Have {{.NumClientIds}} client_ids for {{.NumFiles}} files.',
  'web.command_webhook.parse.app_error': 'Unable to parse incoming data.',
  'web.command_webhook.general.app_error': 'Unable to handle the command webhook.',
};

export interface MattermostErrorBody {
  id: string;
  message: string;
  detailed_error: string;
  request_id: string;
  status_code: number;
}

/** An AppError on its way out; thrown inside handlers. */
export class AppError extends Error {
  readonly status: number;
  readonly errorId: string;
  readonly detail: string;

  constructor(status: number, errorId: string, params: Record<string, unknown> = {}, detail = '') {
    const template = MM_ERRORS[errorId] ?? errorId;
    super(template.replace(/\{\{\.(\w+)\}\}/g, (_, key: string) => String(params[key] ?? '')));
    this.status = status;
    this.errorId = errorId;
    this.detail = detail;
  }

  body(): MattermostErrorBody {
    return { id: this.errorId, message: this.message, detailed_error: this.detail, request_id: '', status_code: this.status };
  }
}

export const invalidBody = (name: string) => new AppError(400, 'api.context.invalid_body_param.app_error', { Name: name });
export const invalidUrl = (name: string) => new AppError(400, 'api.context.invalid_url_param.app_error', { Name: name });
export const forbidden = (detail = '') => new AppError(403, 'api.context.permissions.app_error', {}, detail);

export const readRequestError = (detail: string) => new AppError(400, 'api.file.upload_file.read_request.app_error', {}, detail);
