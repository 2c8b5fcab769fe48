/** Files uploaded with WebClient.filesUploadV2 (files.getUploadURLExternal, the upload URL, files.completeUploadExternal). */
import type { webApi } from '@slack/bolt';
import { FAKE_WORKSPACE } from './types.ts';

/** The file object Slack answers, typed by node-slack-sdk's FilesCompleteUploadExternalResponse. */
type FileObject = NonNullable<webApi.FilesCompleteUploadExternalResponse['files']>[number];

/** An upload from files.getUploadURLExternal until completed (and after: files are kept for filesIn). */
export interface FileState {
  id: string;
  filename: string;
  /** The length promised to files.getUploadURLExternal. */
  length: number;
  /** Undefined until the bytes arrive at the upload URL. */
  bytes: Buffer | undefined;
  created: number;
  completed: boolean;
  title: string;
  channels: string[];
  initialComment: string | undefined;
}

/** The file object of files.completeUploadExternal's answer; sharing has not finished yet, so no shares. */
export function fileObject(f: FileState): FileObject {
  const path = `${FAKE_WORKSPACE.teamId}-${f.id}/${encodeURIComponent(f.filename)}`;
  return {
    id: f.id,
    created: f.created,
    timestamp: f.created,
    name: f.filename,
    title: f.title,
    mimetype: '',
    filetype: '',
    pretty_type: '',
    user: FAKE_WORKSPACE.botUserId,
    user_team: FAKE_WORKSPACE.teamId,
    editable: false,
    size: f.bytes?.length ?? 0,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: false,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: `https://files.slack.com/files-pri/${path}`,
    url_private_download: `https://files.slack.com/files-pri/${FAKE_WORKSPACE.teamId}-${f.id}/download/${encodeURIComponent(f.filename)}`,
    permalink: `https://${FAKE_WORKSPACE.teamDomain}.slack.com/files/${FAKE_WORKSPACE.botUserId}/${f.id}/${encodeURIComponent(f.filename)}`,
    comments_count: 0,
    is_starred: false,
    shares: {},
    channels: [],
    groups: [],
    ims: [],
    has_more_shares: false,
    has_rich_preview: false,
    file_access: 'visible',
  };
}
