/**
 * The compact source of the bundled v2 metadata snapshot (src/v2/snapshot/). One line per field; the
 * generator (generate.ts) expands every line into the full, verbatim v2.0 field object of docs/PROTOCOL.md §9.5.
 *
 * Field spec: `Label` or `Label=Api_Name`, then a type code, then flags:
 *   types: text textarea email phone website picklist(a,b,…) integer double currency percent bigint boolean
 *          date datetime multiselectpicklist(a,b) lookup(Module) ownerlookup userlookup autonumber(PREFIX)
 *          formula(return_type) subform tag
 *   flags: * = mandatory (system_mandatory), ro = read_only, custom, unique (user-defined, {"casesensitive":"0"})
 * When `=Api_Name` is absent the api_name is the label with spaces → `_`.
 */

export interface ModuleSpec {
  apiName: string;
  moduleName: string;
  singular: string;
  plural: string;
  displayField: string;
  /** Field lines, in layout order. The system fields (owner, created/modified, tag) are appended by the generator. */
  fields: string[];
  /** Omit the standard Owner field (none in v2 for this module). */
  noOwner?: boolean;
  custom?: boolean;
}

const SOURCES = 'picklist(-None-,Advertisement,Cold Call,Employee Referral,External Referral,Online Store,Partner,Public Relations,Sales Email Alias,Seminar Partner,Internal Seminar,Trade Show,Web Download,Web Research,Chat)';
const INDUSTRY = 'picklist(-None-,ASP (Application Service Provider),Data/Telecom OEM,ERP (Enterprise Resource Planning),Government/Military,Large Enterprise,ManagementISV,MSP (Management Service Provider),Network Equipment Enterprise,Non-management ISV,Optical Networking,Service Provider,Small/Medium Enterprise,Storage Equipment,Storage Service Provider,Systems Integrator,Wireless Industry)';
const SALUTATION = 'picklist(-None-,Mr.,Mrs.,Ms.,Dr.,Prof.)';
const RATING = 'picklist(-None-,Acquired,Active,Market Failed,Project Cancelled,Shut Down)';

const address = (prefix: string, zip: string): string[] =>
  ['Street', 'City', 'State', zip, 'Country'].map((part) => `${prefix} ${part} text`);

/** Inventory modules share these (docs/PROTOCOL.md §7). */
const inventoryCommon = (): string[] => [
  'Product Details=Product_Details subform *',
  'Sub Total=Sub_Total formula(currency) ro',
  'Tax formula(currency) ro',
  'Adjustment currency',
  'Discount currency',
  'Grand Total=Grand_Total formula(currency) ro',
  'Terms and Conditions=Terms_and_Conditions textarea',
  ...address('Billing', 'Code'),
  ...address('Shipping', 'Code'),
];

export const MODULES: ModuleSpec[] = [
  {
    apiName: 'Leads', moduleName: 'Leads', singular: 'Lead', plural: 'Leads', displayField: 'Full_Name',
    fields: [
      `Salutation ${SALUTATION}`, 'First Name text', 'Last Name text *', 'Full Name text ro', 'Company text',
      'Title=Designation text', 'Email email', 'Secondary Email email', 'Phone phone', 'Mobile phone', 'Fax text',
      'Website website', `Lead Source ${SOURCES}`,
      'Lead Status picklist(-None-,Attempted to Contact,Contact in Future,Contacted,Junk Lead,Lost Lead,Not Contacted,Pre-Qualified,Not Qualified)',
      `Industry ${INDUSTRY}`, 'No. of Employees=No_of_Employees integer', 'Annual Revenue currency',
      'Rating picklist(-None-,Acquired,Active,Market Failed,Project Cancelled,Shut Down)', 'Skype ID=Skype_ID text',
      'Twitter text', 'Email Opt Out boolean', 'Street text', 'City text', 'State text', 'Zip Code text', 'Country text',
      'Description textarea', 'Last Activity Time datetime ro', 'Initial Campaign lookup(Campaigns) custom',
      'Stripe ID=Stripe_ID text custom unique', 'Date Field date custom',
    ],
  },
  {
    apiName: 'Contacts', moduleName: 'Contacts', singular: 'Contact', plural: 'Contacts', displayField: 'Full_Name',
    fields: [
      `Salutation ${SALUTATION}`, 'First Name text', 'Last Name text *', 'Full Name text ro', 'Email email',
      'Secondary Email email', 'Phone phone', 'Home Phone phone', 'Other Phone phone', 'Mobile phone', 'Fax text',
      'Title text', 'Department text', 'Assistant text', 'Asst Phone phone', 'Date of Birth date',
      `Lead Source ${SOURCES}`, 'Skype ID=Skype_ID text', 'Twitter text', 'Email Opt Out boolean',
      'Account Name lookup(Accounts)', 'Vendor Name lookup(Vendors)', 'Reports To=Reporting_To lookup(Contacts)',
      ...address('Mailing', 'Zip'), ...address('Other', 'Zip'), 'Description textarea', 'Last Activity Time datetime ro',
    ],
  },
  {
    apiName: 'Accounts', moduleName: 'Accounts', singular: 'Account', plural: 'Accounts', displayField: 'Account_Name',
    fields: [
      'Account Name text *', 'Account Number bigint', 'Account Site text',
      'Account Type picklist(-None-,Analyst,Competitor,Customer,Distributor,Integrator,Investor,Other,Partner,Press,Prospect,Reseller,Supplier,Vendor)',
      'Parent Account lookup(Accounts)', `Industry ${INDUSTRY}`, 'Annual Revenue currency', 'Employees integer',
      'Ownership picklist(-None-,Other,Private,Public,Subsidiary,Partnership,Government,Privately Held,Public Company)',
      `Rating ${RATING}`, 'Phone phone', 'Fax text', 'Website website', 'Ticker Symbol text', 'SIC Code integer',
      ...address('Billing', 'Code'), ...address('Shipping', 'Code'), 'Description textarea',
      'Last Activity Time datetime ro',
    ],
  },
  {
    apiName: 'Deals', moduleName: 'Deals', singular: 'Deal', plural: 'Deals', displayField: 'Deal_Name',
    fields: [
      'Deal Name text *', 'Amount currency', 'Closing Date date',
      'Stage picklist(Qualification,Needs Analysis,Value Proposition,Id. Decision Makers,Proposal/Price Quote,Negotiation/Review,Closed Won,Closed Lost,Closed Lost to Competition) *',
      'Probability (%)=Probability integer', 'Expected Revenue currency', 'Next Step text',
      'Type picklist(-None-,Existing Business,New Business)', `Lead Source ${SOURCES}`,
      'Campaign Source lookup(Campaigns)', 'Account Name lookup(Accounts)', 'Contact Name lookup(Contacts)',
      'Description textarea', 'Last Activity Time datetime ro',
    ],
  },
  {
    apiName: 'Tasks', moduleName: 'Tasks', singular: 'Task', plural: 'Tasks', displayField: 'Subject',
    fields: [
      'Subject text *', 'Due Date date', 'Status picklist(Not Started,Deferred,In Progress,Completed,Waiting for input)',
      'Priority picklist(High,Highest,Low,Lowest,Normal)', 'Send Notification Email boolean',
      'Contact Name=Who_Id lookup(Contacts)', 'Related To=What_Id lookup(se_module)', 'Description textarea',
    ],
  },
  {
    apiName: 'Events', moduleName: 'Events', singular: 'Meeting', plural: 'Meetings', displayField: 'Event_Title',
    fields: [
      'Title=Event_Title text *', 'Venue text', 'Start DateTime=Start_DateTime datetime *',
      'End DateTime=End_DateTime datetime *', 'All day=All_day boolean', 'Contact Name=Who_Id lookup(Contacts)',
      'Related To=What_Id lookup(se_module)', 'Description textarea',
    ],
  },
  {
    apiName: 'Calls', moduleName: 'Calls', singular: 'Call', plural: 'Calls', displayField: 'Subject',
    fields: [
      'Subject text *', 'Call Type picklist(Inbound,Outbound,Missed) *',
      'Call Purpose picklist(-None-,Prospecting,Administrative,Negotiation,Demo,Project,Desk)',
      'Call Start Time datetime *', 'Call Duration text *', 'Call Result text', 'Billable boolean',
      'Contact Name=Who_Id lookup(Contacts)', 'Related To=What_Id lookup(se_module)', 'Description textarea',
    ],
  },
  {
    apiName: 'Cases', moduleName: 'Cases', singular: 'Case', plural: 'Cases', displayField: 'Subject',
    fields: [
      'Case Number autonumber(CASE-) ro', 'Subject text *',
      'Status picklist(New,On Hold,Escalated,Closed) *', 'Case Origin picklist(Email,Phone,Web) *',
      'Priority picklist(-None-,High,Medium,Low)',
      'Case Reason picklist(-None-,User did not attend any training,Complex functionality,Existing problem,Instructions not clear,New problem)',
      'Type picklist(-None-,Question,Problem,Feature Request)', 'Product Name lookup(Products)',
      'Account Name lookup(Accounts)', 'Deal Name lookup(Deals)', 'Related To lookup(Contacts)', 'Reported By text',
      'Email email', 'Phone phone', 'Internal Comments textarea', 'Solution textarea', 'Add Comment textarea',
      'Description textarea',
    ],
  },
  {
    apiName: 'Solutions', moduleName: 'Solutions', singular: 'Solution', plural: 'Solutions', displayField: 'Solution_Title',
    fields: [
      'Solution Number autonumber(SOL-) ro', 'Solution Title text *', 'Question textarea', 'Answer textarea',
      'Status picklist(Draft,Reviewed,Published)', 'Product Name lookup(Products)',
    ],
  },
  {
    apiName: 'Products', moduleName: 'Products', singular: 'Product', plural: 'Products', displayField: 'Product_Name',
    fields: [
      'Product Name text *', 'Product Code text', 'Product Active boolean',
      'Product Category picklist(-None-,Hardware,Software,CRM Applications)', 'Manufacturer picklist(-None-,AltvetPet Inc.,LexPon Inc.,MetBeat Corp.)',
      'Vendor Name lookup(Vendors)', 'Unit Price currency', 'Commission Rate currency',
      'Tax multiselectpicklist(Sales Tax,VAT,Service Tax)', 'Taxable boolean',
      'Usage Unit picklist(Box,Carton,Dozen,Each,Hours,Impressions,Lb,M,Pack,Pages,Pieces,Quantity,Reams,Sheet,Spiral Binder,Sq Ft)',
      'Qty Ordered double', 'Qty in Stock double', 'Qty in Demand double', 'Reorder Level double',
      'Handler userlookup', 'Sales Start Date date', 'Sales End Date date', 'Support Start Date date',
      'Support Expiry Date date', 'Description textarea',
    ],
  },
  {
    apiName: 'Vendors', moduleName: 'Vendors', singular: 'Vendor', plural: 'Vendors', displayField: 'Vendor_Name',
    fields: [
      'Vendor Name text *', 'Phone phone', 'Email email', 'Website website', 'GL Account=GL_Account picklist(-None-,Sales-Software,Sales-Hardware,Rental-Income,Interest-Income)',
      'Category text', 'Street text', 'City text', 'State text', 'Zip Code text', 'Country text', 'Description textarea',
    ],
  },
  {
    apiName: 'Price_Books', moduleName: 'PriceBooks', singular: 'Price Book', plural: 'Price Books', displayField: 'Price_Book_Name',
    fields: [
      'Price Book Name text *', 'Active boolean', 'Pricing Model picklist(-None-,Flat,Differential)',
      'Pricing Details=Pricing_Details subform *', 'Description textarea',
    ],
  },
  {
    apiName: 'Quotes', moduleName: 'Quotes', singular: 'Quote', plural: 'Quotes', displayField: 'Subject',
    fields: [
      'Subject text *', 'Quote Number=Quote_Number autonumber(QT-) ro',
      'Quote Stage picklist(Draft,Negotiation,Delivered,On Hold,Confirmed,Closed Won,Closed Lost)', 'Valid Till date',
      'Team text', 'Carrier picklist(FedEX,UPS,USPS,DHL,BlueDart)', 'Deal Name lookup(Deals)',
      'Contact Name lookup(Contacts)', 'Account Name lookup(Accounts)', ...inventoryCommon(), 'Description textarea',
    ],
  },
  {
    apiName: 'Sales_Orders', moduleName: 'SalesOrders', singular: 'Sales Order', plural: 'Sales Orders', displayField: 'Subject',
    fields: [
      'Subject text *', 'SO Number=SO_Number autonumber(SO-) ro', 'Customer No text', 'Purchase Order text',
      'Quote Name lookup(Quotes)', 'Deal Name lookup(Deals)', 'Contact Name lookup(Contacts)',
      'Account Name lookup(Accounts)', 'Due Date date', 'Carrier picklist(FedEX,UPS,USPS,DHL,BlueDart)',
      'Excise Duty currency', 'Sales Commission currency',
      'Status picklist(Created,Approved,Delivered,Cancelled)', 'Pending text', ...inventoryCommon(),
      'Description textarea',
    ],
  },
  {
    apiName: 'Purchase_Orders', moduleName: 'PurchaseOrders', singular: 'Purchase Order', plural: 'Purchase Orders', displayField: 'Subject',
    fields: [
      'Subject text *', 'Vendor Name lookup(Vendors) *', 'PO Number text', 'PO Date date', 'Requisition No text',
      'Tracking Number text', 'Contact Name lookup(Contacts)', 'Due Date date',
      'Carrier picklist(FedEX,UPS,USPS,DHL,BlueDart)', 'Excise Duty currency', 'Sales Commission currency',
      'Status picklist(Created,Approved,Delivered,Cancelled)', ...inventoryCommon(), 'Description textarea',
    ],
  },
  {
    apiName: 'Invoices', moduleName: 'Invoices', singular: 'Invoice', plural: 'Invoices', displayField: 'Subject',
    fields: [
      'Subject text *', 'Invoice Number=Invoice_Number autonumber(INV-) ro', 'Invoice Date date', 'Due Date date',
      'Sales Order lookup(Sales_Orders)', 'Purchase Order text', 'Excise Duty currency', 'Sales Commission currency',
      'Status picklist(Created,Approved,Delivered,Cancelled)', 'Account Name lookup(Accounts)',
      'Contact Name lookup(Contacts)', ...inventoryCommon(), 'Description textarea',
    ],
  },
  {
    apiName: 'Campaigns', moduleName: 'Campaigns', singular: 'Campaign', plural: 'Campaigns', displayField: 'Campaign_Name',
    fields: [
      'Campaign Name text *',
      'Type picklist(-None-,Conference,Webinar,Public Relations,Partners,Referral Program,Advertisement,Banner Ads,Direct mail,Email,Telemarketing,Others)',
      'Status picklist(-None-,Planning,Active,Inactive,Complete)', 'Start Date date', 'End Date date',
      'Expected Revenue currency', 'Budgeted Cost currency', 'Actual Cost currency', 'Expected Response integer',
      'Num sent=Num_sent integer', 'Description textarea',
    ],
  },
  {
    apiName: 'Notes', moduleName: 'Notes', singular: 'Note', plural: 'Notes', displayField: 'Note_Title',
    fields: ['Note Title text', 'Note Content textarea *', 'Parent ID=Parent_Id lookup(se_module) *'],
  },
  {
    apiName: 'Course_Progress', moduleName: 'CustomModule1', singular: 'Course Progress', plural: 'Course Progress',
    displayField: 'Name', custom: true,
    fields: [
      'Course Progress Name=Name text *', 'Order ID=Order_ID text custom unique', 'Start Date=Start_Date date custom',
      'Hours Spent=Hours_Spent double custom', 'Completed=Completed boolean custom',
      'Student=Student lookup(Contacts) custom', 'Email email',
    ],
  },
];

export interface UserSpec {
  id: string;
  first: string;
  last: string;
  email: string;
  role: string;
  profile: string;
  timeZone: string;
}

export const USERS: UserSpec[] = [
  { id: '1386586000000105001', first: 'Dexter', last: 'Heng', email: 'dexter.heng@example.com', role: 'CEO', profile: 'Administrator', timeZone: 'America/Los_Angeles' },
  { id: '1386586000000105002', first: 'Patricia', last: 'Boyle', email: 'patricia.boyle@example.com', role: 'Manager', profile: 'Standard', timeZone: 'America/Toronto' },
  { id: '1386586000000105003', first: 'Naresh', last: 'Kumar', email: 'naresh.kumar@example.com', role: 'Sales Rep', profile: 'Standard', timeZone: 'Asia/Kolkata' },
];
