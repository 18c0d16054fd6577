// Where the local hub keeps its state: the `iotHubMessaging.localHub.dataDir` setting, else
// IOT_HUB_LOCAL_DATA_DIR (npm start keeps the demo hub in the checkout with it), else the
// extension's global storage. One place, so the hub process and the routes file reader agree.
import { join } from 'node:path';
import * as vscode from 'vscode';

export function localHubDataDir(context: vscode.ExtensionContext): string {
  return vscode.workspace.getConfiguration('iotHubMessaging.localHub').get<string>('dataDir')
    || process.env['IOT_HUB_LOCAL_DATA_DIR']
    || join(context.globalStorageUri.fsPath, 'local-hub');
}
